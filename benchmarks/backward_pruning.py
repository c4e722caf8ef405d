"""What backpropagating into the stepped players only saves, and that it changes no weight.

    python -m benchmarks backward_pruning PRESET [PRESET ...] [--set KEY=VALUE ...]
        [--threads 1 2] [--rounds 20] [--steps 4] [--warmup 3] [--check-steps 20] --out DIR

``Players.update`` (``cyclekit/engine/players.py``) asks autograd for the gradients of the
players it steps and no others. For every preset and thread count this script builds the
preset twice from one seed, as ``benchmarks/uda_step_cost.py`` does, one copy with the
trainer's players and one whose backward pass fills every parameter's gradient (the earlier
behaviour), and

* checks that ``--check-steps`` training steps leave both copies' weights bit-identical
  (the idle players' gradients were cleared unread, so pruning them must change nothing);
* then times them in turn, ``--steps`` training steps each per round (A B A B ...), and
  reports the median seconds per step over ``--rounds`` rounds after ``--warmup``
  (``benchmarks/paired_steps.py``).

Writes ``backward_pruning.{json,md}`` into ``--out``. Needs the presets' data
(``CYCLEKIT_DATA``).
"""

from __future__ import annotations

from operator import itemgetter
from pathlib import Path

import torch

from benchmarks.paired_steps import (
    as_variant,
    check_and_time,
    comparison_markdown,
    run_comparison,
)
from benchmarks.preset_runs import describe_device
from benchmarks.uda_step_cost import Stepper
from cyclekit.engine.players import Players

PRUNED, FULL = "stepped players only", "every parameter"


class FullBackwardPlayers(Players):
    """The earlier update: backward into every parameter, then step the named players."""

    def update(self, names, loss, step):
        stepped = [p for name in names if name in self.params for p in self.params[name]]
        for optimizer in self.optimizers.values():
            optimizer.zero_grad(set_to_none=True)
        self.fabric.backward(loss)
        if not all(torch.isfinite(p.grad).all() for p in stepped if p.grad is not None):
            raise SystemExit("backward_pruning: a non-finite gradient; the comparison needs "
                             "a preset that trains without skipped updates")
        for name in names:
            if name in self.optimizers:
                self.optimizers[name].step()
        return True


def measure(preset: Path, overrides: list[str], threads: int, args) -> dict:
    torch.set_num_threads(threads)
    common = [*overrides, f"train.num_threads={threads}"]
    pruned, full = Stepper(preset, common), Stepper(preset, common)
    full.run.players.__class__ = FullBackwardPlayers
    row = check_and_time({PRUNED: as_variant(pruned), FULL: as_variant(full)}, args)
    return {"preset": str(preset), "threads": threads, "method": pruned.config.method,
            "device": describe_device(common, 1), **row,
            "ratio": row["median_s"][PRUNED] / row["median_s"][FULL]}


def to_markdown(result: dict) -> str:
    leading = {"preset": lambda row: f"`{row['preset']}`", "method": itemgetter("method"),
               "device": itemgetter("device")}
    return comparison_markdown(result, "Backward into the stepped players only", "training",
                               leading, (FULL, FULL), (PRUNED, PRUNED))


def main() -> None:
    run_comparison("backward_pruning", __doc__, "presets", measure, to_markdown)


if __name__ == "__main__":
    main()
