"""The "while insufficient loss decrease" rule of the dual EM iteration (Zou & Hao, Alg. 1).

The phase loss is smoothed by an exponential moving average. Every ``check_every`` steps
its relative improvement since the previous check is compared with ``tolerance``; the
phase ends when the improvement is smaller (and at least ``min_steps`` were taken), or
after ``max_steps``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


@dataclass
class InsufficientDecrease:
    tolerance: float = 0.01
    ema_beta: float = 0.9
    check_every: int = 25
    min_steps: int = 50
    max_steps: int = 500
    steps: int = 0
    ema: float = math.nan
    reference: float = math.nan
    last_improvement: float = math.nan

    def reset(self) -> None:
        self.steps, self.ema, self.reference, self.last_improvement = 0, math.nan, math.nan, math.nan

    def update(self, loss: float) -> str | None:
        """Record one inner step; return why the phase ends ('converged', 'max_steps') or None."""
        self.steps += 1
        self.ema = loss if math.isnan(self.ema) else self.ema_beta * self.ema + (1 - self.ema_beta) * loss
        if self.steps >= self.max_steps:
            return "max_steps"
        if self.steps % self.check_every:
            return None
        previous, self.reference = self.reference, self.ema
        if math.isnan(previous):
            return None
        self.last_improvement = (previous - self.ema) / max(abs(previous), 1e-12)
        if self.steps >= self.min_steps and self.last_improvement < self.tolerance:
            return "converged"
        return None

    def state_dict(self) -> dict:
        return asdict(self)

    def load_state_dict(self, state: dict) -> None:
        for key, value in state.items():
            setattr(self, key, value)
