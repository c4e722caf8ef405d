"""What backpropagating into the stepped players only saves, and that it changes no weight.

    python benchmarks/backward_pruning.py PRESET [PRESET ...] [--set KEY=VALUE ...]
        [--threads 1 2] [--rounds 20] [--steps 4] [--warmup 3] [--check-steps 20] --out DIR

``Players.update`` (``cyclekit/core/players.py``) asks autograd for the gradients of the
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

import argparse
import time
from pathlib import Path

import torch
from paired_steps import (
    add_arguments,
    as_variant,
    check_and_time,
    describe_protocol,
    write_result,
)
from preset_runs import describe_device
from uda_step_cost import Stepper

from cyclekit.core.players import Players
from cyclekit.errors import CyclekitError

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
    full.players.__class__ = FullBackwardPlayers
    row = check_and_time({PRUNED: as_variant(pruned), FULL: as_variant(full)}, args)
    return {"preset": str(preset), "threads": threads, "method": pruned.config.method,
            "device": describe_device(common, 1), **row,
            "ratio": row["median_s"][PRUNED] / row["median_s"][FULL]}


def to_markdown(result: dict) -> str:
    lines = [f"# Backward into the stepped players only ({result['date']})", "",
             describe_protocol(result, "training"), "",
             ("| preset | method | device | weights differ by | s / step, every parameter | "
              "s / step, stepped players only | ratio |"),
             "|---|---|---|---|---|---|---|"]
    for row in result["rows"]:
        medians = row["median_s"]
        lines.append(f"| `{row['preset']}` | {row['method']} | {row['device']} | "
                     f"{row['max_weight_difference_after_check']:.1e} | "
                     f"{medians[FULL]:.4f} | {medians[PRUNED]:.4f} | {row['ratio']:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("presets", type=Path, nargs="+")
    add_arguments(parser)
    args = parser.parse_args()
    started = time.perf_counter()
    try:
        rows = [measure(preset, args.overrides, threads, args)
                for preset in args.presets for threads in args.threads]
    except (CyclekitError, FileNotFoundError) as error:
        raise SystemExit(f"backward_pruning: {error}") from None
    write_result("backward_pruning", rows, args, started, to_markdown)


if __name__ == "__main__":
    main()
