"""The four-term cyclic objective of "Variational Inference for Cyclic Learning" (Zou & Hao).

    L(x, y) = a D_cyc^X(x, g(f(x))) + b D_sim^X(f(x), Y)      (X -> Y -> X)
            + c D_cyc^Y(y, f(g(y))) + d D_sim^Y(g(y), X)      (Y -> X -> Y)

Each term is optional (weight 0 or no module) and pluggable; strategies decide which terms
each update sees (all of them jointly, or one half per EM phase).
"""

from __future__ import annotations

import torch
from torch import nn

from cyclekit.cyclic.distances import Distance, get_distance
from cyclekit.cyclic.prior_matching import PriorMatching


class CycleObjective(nn.Module):
    """Holds the two cycle distances and the two prior-matching terms with their weights.

    A cycle distance is a name from :data:`~cyclekit.cyclic.distances.DISTANCES` or a callable
    ``(target, reconstruction) -> loss`` of a method's own (e.g. ACC's cycle-back cross-entropy).
    """

    def __init__(self, *, cycle_x: str | Distance = "l1", cycle_y: str | Distance = "l1",
                 weight_cycle_x: float = 1.0, weight_cycle_y: float = 1.0,
                 sim_x: PriorMatching | None = None, sim_y: PriorMatching | None = None,
                 weight_sim_x: float = 1.0, weight_sim_y: float = 1.0):
        super().__init__()
        self.distance_x = cycle_x if callable(cycle_x) else get_distance(cycle_x)
        self.distance_y = cycle_y if callable(cycle_y) else get_distance(cycle_y)
        self.weight_cycle_x = weight_cycle_x
        self.weight_cycle_y = weight_cycle_y
        self.sim_x = sim_x if weight_sim_x > 0 else None
        self.sim_y = sim_y if weight_sim_y > 0 else None
        self.weight_sim_x = weight_sim_x
        self.weight_sim_y = weight_sim_y

    @property
    def uses_cycle_x(self) -> bool:
        return self.weight_cycle_x > 0

    @property
    def uses_cycle_y(self) -> bool:
        return self.weight_cycle_y > 0

    def cycle_x(self, x: torch.Tensor, x_reconstructed: torch.Tensor) -> torch.Tensor:
        """a D_cyc^X(x, g(f(x)))."""
        return self.weight_cycle_x * self.distance_x(x, x_reconstructed)

    def cycle_y(self, y: torch.Tensor, y_reconstructed: torch.Tensor) -> torch.Tensor:
        """c D_cyc^Y(y, f(g(y)))."""
        return self.weight_cycle_y * self.distance_y(y, y_reconstructed)

    def prior_x(self, fake_y: torch.Tensor, batch: dict | None = None) -> torch.Tensor:
        """b D_sim^X(f(x), Y): the mapping-side loss of matching f(x) to domain Y."""
        return self.weight_sim_x * self.sim_x.mapping_loss(fake_y, batch)

    def prior_y(self, fake_x: torch.Tensor, batch: dict | None = None) -> torch.Tensor:
        """d D_sim^Y(g(y), X)."""
        return self.weight_sim_y * self.sim_y.mapping_loss(fake_x, batch)

    def critic_terms(self) -> dict[str, PriorMatching]:
        """The prior-matching terms that own a critic, by player name ('sim_x', 'sim_y')."""
        terms = {"sim_x": self.sim_x, "sim_y": self.sim_y}
        return {name: term for name, term in terms.items() if term is not None and term.has_critic}
