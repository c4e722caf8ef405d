"""Learning-rate schedules of the run loop, as factors of the base rate by step."""

from __future__ import annotations

from collections.abc import Callable

from cyclekit.config import TrainConfig


def annealed_lr_factor(progress: float, alpha: float = 10.0, beta: float = 0.75) -> float:
    """mu_p / mu_0 = 1 / (1 + alpha p)^beta (Ganin et al. 2016, "Domain-Adversarial Training of
    Neural Networks", Sec. 5.2.2)."""
    return 1.0 / (1.0 + alpha * progress) ** beta


def lr_factor(train: TrainConfig) -> Callable[[int], float]:
    """CycleGAN's schedule: constant for ``decay_start`` of the steps, then linear to 0; or,
    with ``lr_schedule: dann``, Ganin's annealing 1 / (1 + 10 p)^0.75 at progress p."""
    if train.lr_schedule == "dann":
        return lambda step: annealed_lr_factor(step / train.steps)
    start = int(train.decay_start * train.steps)

    def factor(step: int) -> float:
        if step < start:
            return 1.0
        return max(0.0, 1.0 - (step - start) / max(1, train.steps - start))

    return factor
