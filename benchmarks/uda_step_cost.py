"""What an option costs per training step: one adaptation preset under several sets of
overrides, timed side by side in one process (issue 4's budget questions).

    python -m benchmarks uda_step_cost PRESET --variant NAME=KEY=VALUE[,KEY=VALUE...] ...
        [--set KEY=VALUE ...] [--rounds 50] [--steps 5] [--warmup 10] --out DIR

Every variant is the preset with ``--set`` and its own overrides, built and stepped by the
run object as the trainer does (the method, its players, its training step, the method's own
batcher on its real data, the preset's precision and memory format), one thread,
on this CPU. The variants are stepped in turn, ``--steps`` training steps each per round
(A B A B ...), so a slow spell of the machine falls on all of them; the first ``--warmup``
rounds are not counted. Reports the median seconds per step of each variant over the rounds
and its ratio to the first variant (of medians). Writes ``step_cost.{json,md}`` into ``--out``.
Needs the preset's data (``CYCLEKIT_DATA``).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import torch

from benchmarks.arguments import add_overrides, one_line_errors, study_parser
from benchmarks.launch import interleaved
from benchmarks.preset_runs import describe_device
from benchmarks.results_table import report, table, utc_now, whole_call, write_result
from cyclekit.config import load_config
from cyclekit.engine.run import Run, make_fabric


class Stepper:
    """One variant's run object, stepped as the trainer steps it."""

    def __init__(self, preset: Path, overrides: list[str]):
        self.config = load_config(preset, overrides)
        torch.manual_seed(self.config.seed)
        self.run = Run(self.config, make_fabric(self.config.train))
        self.index = 0

    def seconds_per_step(self, steps: int) -> float:
        started = time.perf_counter()
        for _ in range(steps):
            self.run.step(self.index)
            self.run.drain_events()
            self.index += 1
        return (time.perf_counter() - started) / steps


def parse_variant(text: str) -> tuple[str, list[str]]:
    name, _, overrides = text.partition("=")
    if not name:
        raise SystemExit(f"--variant {text!r}: give NAME=KEY=VALUE[,KEY=VALUE...] or NAME= "
                         f"for the preset as it is")
    return name, [item for item in overrides.split(",") if item]


def to_markdown(result: dict) -> str:
    protocol = (f"Device: {result['device']}; torch {result['torch']}. Overrides for every "
                f"variant: {result['overrides'] or 'none'}. {result['rounds']} rounds of "
                f"{result['steps']} steps per variant, interleaved, after {result['warmup']} "
                f"uncounted rounds; median over rounds. {whole_call(result)}")
    rows = ([name, ", ".join(row["overrides"]) or "–", f"{row['median_s']:.4f}",
             f"{row['min_s']:.4f} – {row['max_s']:.4f}", f"{row['ratio']:.2f}"]
            for name, row in result["variants"].items())
    return report(f"Step cost of `{result['preset']}`", result["date"], protocol,
                  table(["variant", "overrides", "s / step (median)", "min – max",
                         "ratio to the first"], rows))


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("preset", type=Path)
    parser.add_argument("--variant", dest="variants", action="append", required=True,
                        metavar="NAME=KEY=VALUE[,...]", help="a named set of overrides (repeatable)")
    add_overrides(parser, "an override of every variant (repeatable)")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    torch.set_num_threads(1)
    variants = dict(parse_variant(text) for text in args.variants)
    if len(variants) != len(args.variants):
        raise SystemExit("uda_step_cost: two --variant share a name; give each its own NAME")
    common = [*args.overrides, "train.num_threads=1"]
    with one_line_errors("uda_step_cost"):
        steppers = {name: Stepper(args.preset, [*common, *extra])
                    for name, extra in variants.items()}
    times = interleaved({name: lambda stepper=stepper: stepper.seconds_per_step(args.steps)
                         for name, stepper in steppers.items()}, args.rounds, args.warmup)
    first = statistics.median(next(iter(times.values())))
    result = {"benchmark": "uda_step_cost", "preset": str(args.preset), "date": utc_now(),
              "device": describe_device(common, 1), "torch": torch.__version__,
              "overrides": args.overrides, "rounds": args.rounds, "steps": args.steps,
              "warmup": args.warmup, "wall_s": time.perf_counter() - started,
              "variants": {name: {"overrides": variants[name],
                                  "median_s": statistics.median(samples),
                                  "min_s": min(samples), "max_s": max(samples),
                                  "ratio": statistics.median(samples) / first,
                                  "samples_s": samples}
                           for name, samples in times.items()}}
    write_result(args.out, "step_cost", result, to_markdown(result), echo=True)


if __name__ == "__main__":
    main()
