"""Two builds of one training setup that must train alike, checked and timed side by side: the
shared part of ``backward_pruning.py`` and ``vat_clean_pass.py``.

Both builds take ``--check-steps`` training steps from one seed and their weights are compared
(an optimisation that changes no arithmetic leaves them bit-identical); then they are timed in
turn, ``--steps`` steps each per round (A B A B ...), so a slow spell of the machine falls on
both, and the median seconds per step over ``--rounds`` rounds after ``--warmup`` is reported.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import torch

from benchmarks.arguments import add_overrides, one_line_errors, study_parser
from benchmarks.results_table import report, stamp, table, whole_call, write_result
from benchmarks.uda_step_cost import Stepper

# A variant: its stepper, and the context it steps in (nullcontext for the code as it is).
Variant = tuple[Stepper, Callable[[], AbstractContextManager]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_overrides(parser, "an override of every build (repeatable)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--check-steps", type=int, default=20)
    parser.add_argument("--out", type=Path, required=True)


def as_variant(stepper: Stepper) -> Variant:
    return stepper, nullcontext


def largest_weight_difference(a: Stepper, b: Stepper) -> float:
    pairs = zip(a.run.method.state_dict().values(), b.run.method.state_dict().values())
    return max(((x.double() - y.double()).abs().max().item() for x, y in pairs
                if x.is_floating_point()), default=0.0)


def check_and_time(variants: dict[str, Variant], args: argparse.Namespace) -> dict:
    """The largest weight difference after ``args.check_steps`` steps, and the timings."""
    for stepper, context in variants.values():  # the same noise draws for every variant
        torch.manual_seed(stepper.config.seed)
        with context():
            stepper.seconds_per_step(args.check_steps)
    difference = largest_weight_difference(*(stepper for stepper, _ in variants.values()))
    times = {name: [] for name in variants}
    for round_index in range(args.warmup + args.rounds):
        for name, (stepper, context) in variants.items():
            with context():
                seconds = stepper.seconds_per_step(args.steps)
            if round_index >= args.warmup:
                times[name].append(seconds)
    return {"max_weight_difference_after_check": difference,
            "median_s": {name: statistics.median(samples) for name, samples in times.items()},
            "samples_s": times}


def describe_protocol(result: dict, kind: str) -> str:
    """The Markdown sentence that says how ``result`` was measured (``kind``: of which steps)."""
    return (f"torch {result['torch']}; overrides {', '.join(result['overrides']) or 'none'}. "
            f"Weights compared after {result['check_steps']} {kind} steps from one seed; then "
            f"{result['rounds']} rounds of {result['steps']} steps per variant, interleaved, "
            f"after {result['warmup']} uncounted rounds; median over rounds. "
            f"{whole_call(result)}")


def comparison_markdown(result: dict, title: str, kind: str, leading: dict[str, Callable],
                        baseline: tuple[str, str], changed: tuple[str, str]) -> str:
    """The report of a comparison: ``title``, how it was measured (``kind``: of which steps)
    and a table, one line per row of the result: the ``leading`` columns (header: the row's
    cell), how far the weights differ, seconds per step of the ``baseline`` and of the
    ``changed`` variant (each: its name in the result, its label) and their ratio."""
    header = [*leading, "weights differ by", f"s / step, {baseline[1]}",
              f"s / step, {changed[1]}", "ratio"]
    rows = ([*(cell(row) for cell in leading.values()),
             f"{row['max_weight_difference_after_check']:.1e}",
             f"{row['median_s'][baseline[0]]:.4f}", f"{row['median_s'][changed[0]]:.4f}",
             f"{row['ratio']:.3f}"] for row in result["rows"])
    return report(title, result["date"], describe_protocol(result, kind), table(header, rows))


def run_comparison(name: str, doc: str, items: str, measure: Callable[..., dict],
                   to_markdown: Callable[[dict], str]) -> None:
    """A comparison's main: the positional ``items`` (paths) and the options above;
    ``measure(item, overrides, threads, args)`` for every item and thread count, written as
    ``NAME.{json,md}`` into ``--out`` with the settings of the comparison."""
    parser = study_parser(doc)
    parser.add_argument(items, type=Path, nargs="+")
    add_arguments(parser)
    args = parser.parse_args()
    started = time.perf_counter()
    with one_line_errors(name):
        rows = [measure(item, args.overrides, threads, args)
                for item in getattr(args, items) for threads in args.threads]
    result = {**stamp(name), "torch": torch.__version__, "overrides": args.overrides,
              "check_steps": args.check_steps, "rounds": args.rounds, "steps": args.steps,
              "warmup": args.warmup, "wall_s": time.perf_counter() - started, "rows": rows}
    write_result(args.out, name, result, to_markdown(result), echo=True)
