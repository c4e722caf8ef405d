"""The base class every method derives from: two mappings, one objective, some players.

A method maps its networks and losses onto the framework of seed 000: ``f: X -> Y``,
``g: Y -> X`` (the same module for self-cyclic methods), a :class:`CycleObjective`, and
optionally extra mapping losses (:meth:`regularisers`). Strategies call only this interface,
so any method can be optimised jointly, by dual EM, or self-cyclically when it allows it.

A method also says what its data are: the type of its ``data`` config section, how to load
them (:meth:`load_data`) and how to draw training batches from them (:meth:`make_batcher`).
The default is two image domains drawn unpaired; other methods draw set-supervised batches
or pair images with samples of an implicit prior.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import nn

from cyclekit.config import DataConfig
from cyclekit.core.objective import CycleObjective

if TYPE_CHECKING:
    from cyclekit.config import ExperimentConfig, TrainConfig


class CyclicMethod(nn.Module):
    name: ClassVar[str]
    model_config: ClassVar[type]
    data_config: ClassVar[type] = DataConfig
    default_strategy: ClassVar[str] = "joint"
    strategies: ClassVar[tuple[str, ...]] = ("joint", "em")
    shared_mapping: ClassVar[bool] = False

    f: nn.Module
    g: nn.Module
    objective: CycleObjective

    def __init__(self, config: ExperimentConfig):
        super().__init__()
        self.config = config

    @classmethod
    def load_data(cls, config: ExperimentConfig) -> Any:
        """The experiment's data (train / validation / test), passed back to :meth:`make_batcher`,
        :meth:`validation_losses`, :meth:`sample_rows` and :meth:`evaluate`."""
        from cyclekit.data.pair import load_pair

        return load_pair(config.data, seed=config.seed)

    def make_batcher(self, data: Any, *, rank: int = 0, world_size: int = 1):
        """A deterministic, resumable source of training batches: ``next() -> dict`` of tensors,
        ``state_dict()``, ``load_state_dict()``; with ``world_size`` > 1 each rank a share."""
        from cyclekit.data import UnpairedBatcher

        return UnpairedBatcher(data.x.train.images, data.y.train.images,
                               self.config.train.batch_size, seed=self.config.seed, rank=rank,
                               world_size=world_size)

    def map_xy(self, x: torch.Tensor, batch: dict[str, Any] | None = None) -> torch.Tensor:
        """y = f(x)."""
        return self.f(x)

    def map_yx(self, y: torch.Tensor, batch: dict[str, Any] | None = None) -> torch.Tensor:
        """x = g(y)."""
        return self.g(y)

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

    def make_optimizer(self, player: str, params: list[nn.Parameter], train: TrainConfig,
                       ) -> torch.optim.Optimizer:
        """Adam with the CycleGAN defaults; methods with other optimisers override this."""
        return torch.optim.Adam(params, lr=train.lr, betas=(train.beta1, train.beta2))

    def validation_losses(self, pair, device) -> dict[str, float]:
        """Unsupervised losses on the validation slice of the training split (for the
        ``best_val_cycle`` checkpoint rule), keyed ``val/...``."""
        raise NotImplementedError(f"{type(self).__name__} has no validation losses")

    def sample_rows(self, pair, count: int, device) -> tuple[list[torch.Tensor], list[str]]:
        """Rows of images (and their labels) for the sample grid of the run report."""
        raise NotImplementedError(f"{type(self).__name__} draws no samples")

    def evaluate(self, pair, *, cache_dir, device, progress: bool = False) -> dict[str, float]:
        """Final test metrics as a flat dict, keyed ``test/...``."""
        raise NotImplementedError(f"{type(self).__name__} has no evaluation")

    def extra_state(self) -> dict:
        """State outside parameters and buffers (e.g. image histories), for checkpoints."""
        terms = {"sim_x": self.objective.sim_x, "sim_y": self.objective.sim_y}
        return {name: term.extra_state() for name, term in terms.items() if term is not None}

    def load_extra_state(self, state: dict, device: torch.device | str) -> None:
        terms = {"sim_x": self.objective.sim_x, "sim_y": self.objective.sim_y}
        for name, term_state in state.items():
            terms[name].load_extra_state(term_state, device)
