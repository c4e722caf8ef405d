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
  reports the median seconds per step over ``--rounds`` rounds after ``--warmup``.

Writes ``backward_pruning.{json,md}`` into ``--out``. Needs the presets' data
(``CYCLEKIT_DATA``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import torch
from preset_runs import describe_device
from uda_step_cost import Stepper

from cyclekit.core.atomic import atomic_write_text
from cyclekit.core.players import Players
from cyclekit.errors import CyclekitError


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


def build_pair(preset: Path, overrides: list[str]) -> tuple[Stepper, Stepper]:
    pruned, full = Stepper(preset, overrides), Stepper(preset, overrides)
    full.players.__class__ = FullBackwardPlayers
    return pruned, full


def largest_weight_difference(a: Stepper, b: Stepper) -> float:
    pairs = zip(a.method.state_dict().values(), b.method.state_dict().values())
    return max(((x.double() - y.double()).abs().max().item() for x, y in pairs
                if x.is_floating_point()), default=0.0)


def measure(preset: Path, overrides: list[str], threads: int, args) -> dict:
    torch.set_num_threads(threads)
    common = [*overrides, f"train.num_threads={threads}"]
    pruned, full = build_pair(preset, common)
    for stepper in (pruned, full):  # the same noise draws for both
        torch.manual_seed(stepper.config.seed)
        stepper.seconds_per_step(args.check_steps)
    difference = largest_weight_difference(pruned, full)
    times = {"stepped players only": [], "every parameter": []}
    for round_index in range(args.warmup + args.rounds):
        for name, stepper in (("stepped players only", pruned), ("every parameter", full)):
            seconds = stepper.seconds_per_step(args.steps)
            if round_index >= args.warmup:
                times[name].append(seconds)
    medians = {name: statistics.median(samples) for name, samples in times.items()}
    return {"preset": str(preset), "threads": threads, "method": pruned.config.method,
            "device": describe_device(common, 1),
            "max_weight_difference_after_check": difference,
            "median_s": medians, "samples_s": times,
            "ratio": medians["stepped players only"] / medians["every parameter"]}


def to_markdown(result: dict) -> str:
    lines = [f"# Backward into the stepped players only ({result['date']})", "",
             (f"torch {result['torch']}; overrides {', '.join(result['overrides']) or 'none'}. "
              f"Weights compared after {result['check_steps']} training steps from one seed; "
              f"then {result['rounds']} rounds of {result['steps']} steps per variant, "
              f"interleaved, after {result['warmup']} uncounted rounds; median over rounds. "
              f"Wall time of the whole call: {result['wall_s']:.0f} s."), "",
             ("| preset | method | device | weights differ by | s / step, every parameter | "
              "s / step, stepped players only | ratio |"),
             "|---|---|---|---|---|---|---|"]
    for row in result["rows"]:
        medians = row["median_s"]
        lines.append(f"| `{row['preset']}` | {row['method']} | {row['device']} | "
                     f"{row['max_weight_difference_after_check']:.1e} | "
                     f"{medians['every parameter']:.4f} | {medians['stepped players only']:.4f} | "
                     f"{row['ratio']:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("presets", type=Path, nargs="+")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="an override of every preset (repeatable)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--check-steps", type=int, default=20)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    try:
        rows = [measure(preset, args.overrides, threads, args)
                for preset in args.presets for threads in args.threads]
    except (CyclekitError, FileNotFoundError) as error:
        raise SystemExit(f"backward_pruning: {error}") from None
    result = {"benchmark": "backward_pruning",
              "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "torch": torch.__version__, "overrides": args.overrides,
              "check_steps": args.check_steps, "rounds": args.rounds, "steps": args.steps,
              "warmup": args.warmup, "wall_s": time.perf_counter() - started, "rows": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "backward_pruning.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(args.out / "backward_pruning.md", to_markdown(result))
    print(to_markdown(result))


if __name__ == "__main__":
    main()
