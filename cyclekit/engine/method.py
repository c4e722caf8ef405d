"""The method contract: what the engine needs of a method to train, checkpoint and evaluate it.

A method is an ``nn.Module`` holding every network of an experiment. It says what its data are
(:meth:`Method.load_data`, :meth:`Method.make_batcher`), which players it has and how each is
optimised (:meth:`Method.player_params`, :meth:`Method.make_optimizer`), how one training step
spends a batch (:meth:`Method.make_training_step`), and how it is validated, pictured and
evaluated. Nothing here is about cycles: the cyclic model on top of this contract
(:class:`cyclekit.cyclic.method.CyclicMethod`) adds the mappings ``f``, ``g`` and the
objective that the framework's strategies drive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import torch
from torch import nn

if TYPE_CHECKING:
    from cyclekit.config import ExperimentConfig, TrainConfig
    from cyclekit.engine.players import Players


class TrainingStep(Protocol):
    """One training step of a method over its players; stateful steps checkpoint their state."""

    def step(self, method: Method, batch: dict, players: Players, step: int) -> dict[str, float]:
        """Update the players on ``batch``; return the losses seen, by name."""

    def log_values(self) -> dict[str, float]:
        """The step's own state worth plotting (e.g. the EM phase)."""

    def drain_events(self) -> list[dict]:
        """Events since the last call (e.g. EM phase switches), for the run log."""

    def state_dict(self) -> dict: ...

    def load_state_dict(self, state: dict) -> None: ...


class Method(nn.Module):
    """Base class of every registered method.

    ``strategies`` are the values ``strategy.name`` may take; ``checkpoint_rules`` the values
    ``eval.checkpoint`` may take (``best_val_cycle`` needs :meth:`validation_losses` to report
    ``val/cycle_l1``). Both are checked when the config is built.
    """

    name: ClassVar[str]
    model_config: ClassVar[type]
    data_config: ClassVar[type]
    default_strategy: ClassVar[str]
    strategies: ClassVar[tuple[str, ...]]
    checkpoint_rules: ClassVar[tuple[str, ...]] = ("last",)

    def __init__(self, config: ExperimentConfig):
        super().__init__()
        self.config = config

    @classmethod
    def load_data(cls, config: ExperimentConfig) -> Any:
        """The experiment's data (train / validation / test), passed back to :meth:`make_batcher`,
        :meth:`validation_losses`, :meth:`sample_rows` and :meth:`evaluate`."""
        raise NotImplementedError(f"{cls.__name__} does not say how to load its data")

    def make_batcher(self, data: Any, *, rank: int = 0, world_size: int = 1):
        """A deterministic, resumable source of training batches: ``next() -> dict`` of tensors,
        ``state_dict()``, ``load_state_dict()``; with ``world_size`` > 1 each rank a share."""
        raise NotImplementedError(f"{type(self).__name__} draws no training batches")

    def make_training_step(self) -> TrainingStep:
        """The object that updates the players on one batch (the config's strategy)."""
        raise NotImplementedError(f"{type(self).__name__} has no training step")

    def player_params(self) -> dict[str, list[nn.Parameter]]:
        """Parameters by player; each player gets its own optimiser and schedule."""
        raise NotImplementedError(f"{type(self).__name__} names no players")

    def make_optimizer(self, player: str, params: list[nn.Parameter], train: TrainConfig,
                       ) -> torch.optim.Optimizer:
        """Adam with the CycleGAN defaults; methods with other optimisers override this."""
        return torch.optim.Adam(params, lr=train.lr, betas=(train.beta1, train.beta2))

    def validation_losses(self, data, device) -> dict[str, float]:
        """Unsupervised losses on the validation slice of the training split, keyed ``val/...``
        (``val/cycle_l1`` for the ``best_val_cycle`` checkpoint rule)."""
        return {}

    def sample_rows(self, data, count: int, device) -> tuple[list[torch.Tensor], list[str]]:
        """Rows of images (and their labels) for the sample grid of the run report."""
        raise NotImplementedError(f"{type(self).__name__} draws no samples")

    def evaluate(self, data, *, cache_dir, device, progress: bool = False) -> dict[str, float]:
        """Final test metrics as a flat dict, keyed ``test/...``."""
        raise NotImplementedError(f"{type(self).__name__} has no evaluation")

    def extra_state(self) -> dict:
        """State outside parameters and buffers (e.g. image histories), for checkpoints."""
        return {}

    def load_extra_state(self, state: dict, device: torch.device | str) -> None:
        """Restore :meth:`extra_state`."""
