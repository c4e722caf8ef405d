"""Polyak averaging: an exponential moving average of a method's weights, evaluated in place of
the last iterate.

VADA and DIRT-T (Shu et al., ICLR 2018) score every model through such an average of its
trainable weights, w_avg <- decay * w_avg + (1 - decay) * w after each update (decay 0.998 in
their code), which damps the step-to-step noise of the last iterate that the checkpoint rule
"last" would otherwise evaluate. With ``train.ema_decay`` > 0 the trainer keeps one for any
method through PyTorch's :class:`~torch.optim.swa_utils.AveragedModel`. Buffers (batch-norm
statistics) are not averaged a second time: the average takes the live model's at every update,
as theirs keeps the networks' own moving statistics.
"""

from __future__ import annotations

from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from cyclekit.core.method import CyclicMethod


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

    def state_dict(self) -> dict[str, int]:
        """What a checkpoint needs beyond the averaged weights themselves."""
        return {"updates": int(self._averaged.n_averaged)}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self._averaged.n_averaged.fill_(state["updates"])
