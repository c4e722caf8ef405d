"""Polyak averaging: an exponential moving average of a method's weights, evaluated in place of
the last iterate, with its batch-norm statistics re-estimated for the averaged weights.

VADA and DIRT-T (Shu et al., ICLR 2018) score every model through such an average of its
trainable weights, w_avg <- decay * w_avg + (1 - decay) * w after each update (decay 0.998 in
their code), which damps the step-to-step noise of the last iterate that the checkpoint rule
"last" would otherwise evaluate. With ``train.ema_decay`` > 0 the trainer keeps one for any
method through PyTorch's :class:`~torch.optim.swa_utils.AveragedModel`.

Batch-norm statistics are not weights. The live networks' running statistics describe the
activations of the live weights, not of their average: on a CDLM teacher of MNIST -> MNIST-M,
averaged weights with the live statistics classified 0.79 of the target test images where the
last iterate of the same run classified 0.91 (docs/uda.md, "Polyak averaging"). So, as
stochastic weight averaging does (Izmailov et al., UAI 2018),
:meth:`WeightAverage.reestimate_batch_norm` recomputes them for the averaged weights from the
training forward passes of a few batches, averaged with equal weights; between two
re-estimations the average takes the live statistics.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from cyclekit.core.method import CyclicMethod

REESTIMATION_BATCHES = 50


class WeightAverage:
    """The average of ``method``'s weights; :attr:`method` is a full copy of the method that
    holds it, so it validates, samples and is checkpointed like the live one."""

    def __init__(self, method: CyclicMethod, decay: float):
        self._averaged = AveragedModel(method, multi_avg_fn=get_ema_multi_avg_fn(decay),
                                       use_buffers=False)

    @property
    def method(self) -> CyclicMethod:
        return self._averaged.module

    def update(self, method: CyclicMethod) -> None:
        """Fold the live weights in after an update (the first call copies them)."""
        self._averaged.update_parameters(method)

    def reestimate_batch_norm(self, training_forward: Callable[[CyclicMethod, dict], None],
                              batches: Callable[[], dict],
                              count: int = REESTIMATION_BATCHES) -> None:
        """Replace the average's batch-norm statistics by the equal-weight mean of the batch
        statistics of ``count`` training forward passes (``training_forward(method, batch)``
        on ``batches()``) through the averaged weights, in training mode."""
        norms = [m for m in self.method.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
                 and m.track_running_stats]
        if not norms:
            return
        momenta = [norm.momentum for norm in norms]
        for norm in norms:
            norm.reset_running_stats()
            norm.momentum = None  # a cumulative mean over the passes
        was_training = self.method.training
        self.method.train()
        try:
            with torch.enable_grad():  # e.g. virtual adversarial passes differentiate inside
                for _ in range(count):
                    training_forward(self.method, batches())
        finally:
            for norm, momentum in zip(norms, momenta, strict=True):
                norm.momentum = momentum
            self.method.train(was_training)

    def state_dict(self) -> dict[str, int]:
        """What a checkpoint needs beyond the averaged weights themselves."""
        return {"updates": int(self._averaged.n_averaged)}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self._averaged.n_averaged.fill_(state["updates"])


class ForwardOnlyPlayers:
    """Stands in for :class:`~cyclekit.core.players.Players` so that a strategy's step runs
    its forward passes and updates nothing: for re-estimating statistics, where a strategy's
    losses are computed and thrown away."""

    def __init__(self, names: set[str]):
        self._names = set(names)

    def __contains__(self, name: str) -> bool:
        return name in self._names

    def update(self, names, loss: torch.Tensor, step: int) -> bool:
        return True

    def mean_over_ranks(self, value: float) -> float:
        return value  # this process's own: no collective while one rank re-estimates


def strategy_forward(strategy, players_names: set[str], step: int,
                     ) -> Callable[[CyclicMethod, dict], None]:
    """``training_forward`` for :meth:`WeightAverage.reestimate_batch_norm`: a copy of the
    run's ``strategy`` stepping with :class:`ForwardOnlyPlayers`, so the passes are the
    training step's own and the run's strategy state is untouched."""
    dry_strategy, dry_players = copy.deepcopy(strategy), ForwardOnlyPlayers(players_names)

    def forward(method: CyclicMethod, batch: dict) -> None:
        dry_strategy.step(method, batch, dry_players, step)

    return forward
