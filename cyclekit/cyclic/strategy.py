"""Optimisation strategies: how one training step spends the four-term objective (Zou & Hao)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from cyclekit.config import StrategyConfig
    from cyclekit.cyclic.method import CyclicMethod
    from cyclekit.engine.players import Players


class Strategy:
    """One training step of a method. Stateful strategies checkpoint their state."""

    def __init__(self, config: StrategyConfig):
        self.config = config
        self.events: list[dict] = []

    def step(self, method: CyclicMethod, batch: dict, players: Players, step: int,
             ) -> dict[str, float]:
        """Update the method on ``batch``; return the losses it saw, by name."""
        raise NotImplementedError

    def log_values(self) -> dict[str, float]:
        """The strategy's own state worth plotting (e.g. the EM phase), keyed ``em/...``."""
        return {}

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`."""

    def drain_events(self) -> list[dict]:
        events, self.events = self.events, []
        return events


def as_floats(losses: dict[str, torch.Tensor]) -> dict[str, float]:
    """Detached Python floats of a dict of scalar losses, for logging."""
    return {name: float(loss.detach()) for name, loss in losses.items()}


def update_critics(method: CyclicMethod, players: Players, step: int,
                   pairs: dict[str, tuple[torch.Tensor, torch.Tensor]], batch: dict | None = None,
                   ) -> dict[str, float]:
    """One update of the critics of the prior-matching terms named in ``pairs``.

    ``pairs[name] = (real, fake)``: real samples of the domain the term matches, and the
    (detached) mapped samples the mapping produced in this step. ``batch`` is passed on to
    conditional critics.
    """
    critics = method.objective.critic_terms()
    losses = {f"critic_{name}": critics[name].critic_loss(real, fake.detach(), batch)
              for name, (real, fake) in pairs.items() if name in critics}
    if losses:
        players.update([name for name in pairs if name in critics], sum(losses.values()), step)
    return as_floats(losses)

