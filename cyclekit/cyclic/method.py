"""The cyclic model: the method contract plus two mappings and one objective.

A cyclic method maps its networks and losses onto the framework of Zou & Hao ("Variational
Inference for Cyclic Learning", the four-term loss of Eq. 3): ``f: X -> Y``, ``g: Y -> X``
(the same module for self-cyclic methods), a :class:`CycleObjective`, and optionally extra
mapping losses (:meth:`regularisers`). Its training step is the config's strategy, which
calls only this interface, so any method can be optimised jointly, by dual EM, or
self-cyclically when it allows it.

The default data are two image domains drawn unpaired; other methods draw set-supervised
batches or pair images with samples of an implicit prior.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import nn

from cyclekit.cyclic.objective import CycleObjective
from cyclekit.cyclic.strategies import build_strategy
from cyclekit.cyclic.strategy import Strategy
from cyclekit.data.pair import DataConfig, load_pair
from cyclekit.data.unpaired import UnpairedBatcher
from cyclekit.engine.method import Method

if TYPE_CHECKING:
    from cyclekit.config import ExperimentConfig


class CyclicMethod(Method):
    data_config: ClassVar[type] = DataConfig
    default_strategy: ClassVar[str] = "joint"
    strategies: ClassVar[tuple[str, ...]] = ("joint", "em")
    shared_mapping: ClassVar[bool] = False

    f: nn.Module
    g: nn.Module
    objective: CycleObjective

    @classmethod
    def load_data(cls, config: ExperimentConfig) -> Any:
        """Two image domains, each split into train / validation / test."""
        return load_pair(config.data, seed=config.seed)

    def make_batcher(self, data: Any, *, rank: int = 0, world_size: int = 1):
        """Unpaired batches of the two training splits."""
        return UnpairedBatcher(data.x.train.images, data.y.train.images,
                               self.config.train.batch_size, seed=self.config.seed, rank=rank,
                               world_size=world_size)

    def map_xy(self, x: torch.Tensor, batch: dict[str, Any] | None = None) -> torch.Tensor:
        """y = f(x)."""
        return self.f(x)

    def map_yx(self, y: torch.Tensor, batch: dict[str, Any] | None = None) -> torch.Tensor:
        """x = g(y)."""
        return self.g(y)

    def cycle_x_loss(self, x: torch.Tensor, y_hat: torch.Tensor, batch: dict[str, Any],
                     ) -> torch.Tensor:
        """a D_cyc^X(x, g(y_hat)): the X -> Y -> X cycle term of a forward result ``y_hat = f(x)``
        (the self-cyclic strategy's cycle; a method whose distance needs the forward result,
        e.g. to weight pairs by how far they moved, overrides this)."""
        return self.objective.cycle_x(x, self.map_yx(y_hat, batch))

    def regularisers(self, batch: dict[str, Any], players: set[str]) -> dict[str, torch.Tensor]:
        """Extra mapping losses (beyond the four terms) for the players being updated."""
        return {}

    def player_params(self) -> dict[str, list[nn.Parameter]]:
        """Parameters by player: the mappings, then one critic per prior-matching term."""
        players = {"f": list(self.f.parameters())}
        if not self.shared_mapping:
            players["g"] = list(self.g.parameters())
        for name, term in self.objective.critic_terms().items():
            players[name] = list(term.parameters())
        return players

    def make_training_step(self) -> Strategy:
        """The config's strategy (joint, dual EM or self-cyclic)."""
        return build_strategy(self.config.strategy)

    def extra_state(self) -> dict:
        """State outside parameters and buffers (e.g. image histories), for checkpoints."""
        terms = {"sim_x": self.objective.sim_x, "sim_y": self.objective.sim_y}
        return {name: term.extra_state() for name, term in terms.items() if term is not None}

    def load_extra_state(self, state: dict, device: torch.device | str) -> None:
        """Restore the prior-matching terms' :meth:`extra_state` (e.g. image histories)."""
        terms = {"sim_x": self.objective.sim_x, "sim_y": self.objective.sim_y}
        for name, term_state in state.items():
            terms[name].load_extra_state(term_state, device)
