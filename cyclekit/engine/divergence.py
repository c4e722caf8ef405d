"""The divergence guard's eyes: losses far above their running median, weights that explode.

The watch only reads: it never draws a random number, never touches a weight or a gradient,
so a run that does not diverge trains exactly as it would without it. Every step it folds
the step's losses into a window of their recent values (floats the training step already
returned); at the loop's logging steps (``train.log_every``) it also measures the weights of
every player (the root mean square of its parameters, one pass over them) and reports what
it saw:

* a loss that stayed more than ``train.divergence_loss_factor`` times its running median's
  magnitude (at least 1) above that median for ``train.divergence_loss_steps`` steps in a row
  (a non-finite loss counts as above);
* a player whose weights' root mean square grew more than ``train.divergence_weight_growth``
  -fold since step 0 (from at least 0.01);
* a player with non-finite weights: a run cannot go on from those (every later update is
  skipped) and they can never be checkpointed, so the trainer stops whatever
  ``train.on_divergence`` says.

The trainer warns (once per loss or player) or stops according to ``train.on_divergence``.
The watch's state is checkpointed with the loop, so a resumed run sees what the
uninterrupted one saw.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

import torch

from cyclekit.config import TrainConfig

WINDOW = 100  # recent values of a loss its running median is taken over
MIN_HISTORY = 10  # values a loss needs before it is judged
NORM_FLOOR = 0.01  # growth is measured from at least this root mean square


@dataclass
class Finding:
    key: str  # "loss/NAME", "weights/PLAYER"
    text: str  # what was seen, for a warning or an error
    fatal: bool = False  # non-finite weights: the run cannot go on


class DivergenceWatch:
    def __init__(self, train: TrainConfig, player_params: dict[str, list[torch.nn.Parameter]],
                 state: dict | None = None):
        self.factor = train.divergence_loss_factor
        self.steps = train.divergence_loss_steps
        self.growth = train.divergence_weight_growth
        self.params = player_params
        state = state or {}
        self.window: dict[str, list[float]] = {k: list(v) for k, v in state.get("window", {}).items()}
        self.high: dict[str, int] = dict(state.get("high", {}))
        self.pending: list[dict] = [dict(f) for f in state.get("pending", [])]
        self.warned: list[str] = list(state.get("warned", []))
        self.initial: dict[str, float] = dict(state.get("initial", {}))
        for name, rms in self.norms().items():  # a fresh run (or one from before the watch)
            self.initial.setdefault(name, rms)

    def state_dict(self) -> dict:
        return {"window": {k: list(v) for k, v in self.window.items()}, "high": dict(self.high),
                "pending": [dict(f) for f in self.pending], "warned": list(self.warned),
                "initial": dict(self.initial)}

    def observe(self, step: int, losses: dict[str, float]) -> None:
        """Fold one step's losses in (every step; plain float arithmetic)."""
        for name, value in losses.items():
            value = float(value)
            window = self.window.setdefault(name, [])
            if len(window) >= MIN_HISTORY or not math.isfinite(value):
                median = statistics.median(window) if window else 0.0
                above = (not math.isfinite(value)
                         or value - median > self.factor * max(abs(median), 1.0))
                self.high[name] = self.high.get(name, 0) + 1 if above else 0
                if self.high[name] == self.steps:
                    self.pending.append({
                        "key": f"loss/{name}",
                        "text": (f"loss '{name}' stayed more than {self.factor:g}x its running "
                                 f"median ({median:.3g}) above it for {self.steps} steps "
                                 f"(now {value:.3g})")})
            if math.isfinite(value):
                window.append(value)
                del window[:-WINDOW]

    def check(self, step: int) -> list[Finding]:
        """What was seen since the last check, and the weights now (at logging steps)."""
        found = [Finding(**f) for f in self.pending]
        self.pending = []
        for name, rms in self.norms().items():
            if not math.isfinite(rms):
                found.append(Finding(f"weights/{name}", f"weights of '{name}' are not finite",
                                     fatal=True))
                continue
            start = max(self.initial.get(name, rms), NORM_FLOOR)
            if rms > self.growth * start:
                found.append(Finding(
                    f"weights/{name}",
                    f"weights of '{name}' grew {rms / start:.3g}-fold since step 0 (root mean "
                    f"square {rms:.3g}, more than train.divergence_weight_growth="
                    f"{self.growth:g} times {start:.3g})"))
        return found

    def first_seen(self, findings: list[Finding]) -> list[Finding]:
        """Those not warned about before (each loss and player is warned about once)."""
        new = [f for f in findings if f.key not in self.warned]
        self.warned.extend(f.key for f in new)
        return new

    @torch.no_grad()
    def norms(self) -> dict[str, float]:
        """Root mean square of each player's parameters (in float64: no overflow)."""
        found = {}
        for name, params in self.params.items():
            if not params:
                continue
            squares = sum(torch.linalg.vector_norm(p.detach(), dtype=torch.float64) ** 2
                          for p in params)
            count = sum(p.numel() for p in params)
            found[name] = math.sqrt(float(squares) / max(count, 1))
        return found
