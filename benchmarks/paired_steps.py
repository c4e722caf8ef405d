"""Two builds of one training setup that must train alike, checked and timed side by side: the
shared part of ``backward_pruning.py`` and ``vat_clean_pass.py``.

Both builds take ``--check-steps`` training steps from one seed and their weights are compared
(an optimisation that changes no arithmetic leaves them bit-identical); then they are timed in
turn, ``--steps`` steps each per round (A B A B ...), so a slow spell of the machine falls on
both, and the median seconds per step over ``--rounds`` rounds after ``--warmup`` is reported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timezone
from pathlib import Path

import torch
from uda_step_cost import Stepper

from cyclekit.core.atomic import atomic_write_text

# A variant: its stepper, and the context it steps in (nullcontext for the code as it is).
Variant = tuple[Stepper, Callable[[], AbstractContextManager]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="an override of every build (repeatable)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--check-steps", type=int, default=20)
    parser.add_argument("--out", type=Path, required=True)


def as_variant(stepper: Stepper) -> Variant:
    return stepper, nullcontext


def largest_weight_difference(a: Stepper, b: Stepper) -> float:
    pairs = zip(a.method.state_dict().values(), b.method.state_dict().values())
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
            f"after {result['warmup']} uncounted rounds; median over rounds. Wall time of the "
            f"whole call: {result['wall_s']:.0f} s.")


def write_result(name: str, rows: list[dict], args: argparse.Namespace, started: float,
                 to_markdown: Callable[[dict], str]) -> None:
    """``NAME.{json,md}`` in ``args.out``, with the settings of the comparison."""
    result = {"benchmark": name, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "torch": torch.__version__, "overrides": args.overrides,
              "check_steps": args.check_steps, "rounds": args.rounds, "steps": args.steps,
              "warmup": args.warmup, "wall_s": time.perf_counter() - started, "rows": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / f"{name}.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(args.out / f"{name}.md", to_markdown(result))
    print(to_markdown(result))
