"""Polyak averaging: an exponential moving average of a method's weights, evaluated in place of
the last iterate, with its batch-norm statistics re-estimated for the averaged weights.

VADA and DIRT-T (Shu et al., ICLR 2018) score every model through such an average of its
trainable weights, w_avg <- decay * w_avg + (1 - decay) * w after each update (decay 0.998 in
their code), which damps the step-to-step noise of the last iterate that the checkpoint rule
"last" would otherwise evaluate. With ``train.ema_decay`` > 0 the trainer keeps one for any
method through PyTorch's :class:`~torch.optim.swa_utils.AveragedModel`.

Batch-norm statistics are not weights. The live networks' running statistics describe the
activations of the live weights, not of their average: on a CDLM teacher of MNIST -> MNIST-M,
averaged weights with the live statistics classify markedly worse than the last iterate
(measured in the weight-average study of benchmarks/results). So, as
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

from cyclekit.engine.method import Method, TrainingStep

REESTIMATION_BATCHES = 50


class WeightAverage:
    """The average of ``method``'s weights; :attr:`method` is a full copy of the method that
    holds it, so it validates, samples and is checkpointed like the live one."""

    def __init__(self, method: Method, decay: float):
        self._averaged = AveragedModel(method, multi_avg_fn=get_ema_multi_avg_fn(decay),
                                       use_buffers=False)

    @property
    def method(self) -> Method:
        return self._averaged.module

    def update(self, method: Method) -> None:
        """Fold the live weights in after an update (the first call copies them)."""
        self._averaged.update_parameters(method)

    def reestimate_batch_norm(self, training_step: TrainingStep, players: set[str], step: int,
                              batches: Callable[[], dict],
                              count: int = REESTIMATION_BATCHES) -> None:
        """Replace the average's batch-norm statistics by the equal-weight mean of the batch
        statistics of ``count`` training forward passes through the averaged weights, in
        training mode: a copy of the run's ``training_step`` stepping on ``batches()`` with
        :class:`ForwardOnlyPlayers`, so the passes are the step's own and its state is
        untouched."""
        dry_step, dry_players = copy.deepcopy(training_step), ForwardOnlyPlayers(players)
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
                    dry_step.step(self.method, batches(), dry_players, step)
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
    """Stands in for :class:`~cyclekit.engine.players.Players` so that a strategy's step runs
    its forward passes and updates nothing: for re-estimating statistics, where a step's
    losses are computed and thrown away."""

    def __init__(self, names: set[str]):
        self._names = set(names)

    def __contains__(self, name: str) -> bool:
        return name in self._names

    def update(self, names, loss: torch.Tensor, step: int) -> bool:
        return True

    def mean_over_ranks(self, value: float) -> float:
        return value  # this process's own: no collective while one rank re-estimates

