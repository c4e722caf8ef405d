"""The cyclic strategies by name: ``strategy.name`` of a cyclic method's experiment picks one."""

from __future__ import annotations

from cyclekit.config import StrategyConfig
from cyclekit.cyclic.dual_em import DualEM
from cyclekit.cyclic.joint import Joint
from cyclekit.cyclic.self_cyclic import SelfCyclic
from cyclekit.cyclic.strategy import Strategy
from cyclekit.errors import ConfigError

STRATEGIES: dict[str, type[Strategy]] = {"joint": Joint, "em": DualEM, "self_cyclic": SelfCyclic}


def build_strategy(config: StrategyConfig) -> Strategy:
    """The strategy ``config.name`` names, with its settings."""
    if config.name not in STRATEGIES:
        raise ConfigError(f"unknown strategy '{config.name}'; choose one of {sorted(STRATEGIES)}")
    return STRATEGIES[config.name](config)
