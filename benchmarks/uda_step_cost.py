"""What an option costs per training step: one adaptation preset under several sets of
overrides, timed side by side in one process (issue 4's budget questions).

    python benchmarks/uda_step_cost.py PRESET --variant NAME=KEY=VALUE[,KEY=VALUE...] ...
        [--set KEY=VALUE ...] [--rounds 50] [--steps 5] [--warmup 10] --out DIR

Every variant is the preset with ``--set`` and its own overrides, built and stepped as
``cyclekit/core/trainer.py`` does (``build_method``, ``Players``, ``build_strategy``, the
method's own batcher on its real data, the preset's precision and memory format), one thread,
on this CPU. The variants are stepped in turn, ``--steps`` training steps each per round
(A B A B ...), so a slow spell of the machine falls on all of them; the first ``--warmup``
rounds are not counted. Reports the median seconds per step of each variant over the rounds
and its ratio to the first variant (of medians). Writes ``step_cost.{json,md}`` into ``--out``.
Needs the preset's data (``CYCLEKIT_DATA``).
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

from cyclekit.config import load_config
from cyclekit.core.atomic import atomic_write_text
from cyclekit.core.players import Players
from cyclekit.core.strategy import build_strategy
from cyclekit.core.trainer import _to_device, build_method, lr_factor, make_fabric
from cyclekit.errors import CyclekitError


class Stepper:
    """One variant: its method, players, strategy and batcher, stepped as the trainer steps."""

    def __init__(self, preset: Path, overrides: list[str]):
        self.config = load_config(preset, overrides)
        torch.manual_seed(self.config.seed)
        self.fabric = make_fabric(self.config.train)
        self.method = build_method(self.config, self.fabric.device)
        train = self.config.train
        self.players = Players(self.fabric, self.method.player_params(),
                               lambda name, params: self.method.make_optimizer(name, params, train),
                               lr_factor(train), train.max_nonfinite)
        self.strategy = build_strategy(self.config.strategy)
        self.batcher = self.method.make_batcher(self.method.load_data(self.config))
        self.memory_format = (torch.channels_last if train.channels_last
                              else torch.contiguous_format)
        self.index = 0

    def seconds_per_step(self, steps: int) -> float:
        started = time.perf_counter()
        for _ in range(steps):
            batch = {name: _to_device(value, self.fabric.device, self.memory_format)
                     for name, value in self.batcher.next().items()}
            with self.fabric.autocast():
                self.strategy.step(self.method, batch, self.players, self.index)
            self.players.step_schedulers()
            self.strategy.drain_events()
            self.players.drain_events()
            self.index += 1
        return (time.perf_counter() - started) / steps


def parse_variant(text: str) -> tuple[str, list[str]]:
    name, _, overrides = text.partition("=")
    if not name:
        raise SystemExit(f"--variant {text!r}: give NAME=KEY=VALUE[,KEY=VALUE...] or NAME= "
                         f"for the preset as it is")
    return name, [item for item in overrides.split(",") if item]


def to_markdown(result: dict) -> str:
    lines = [f"# Step cost of `{result['preset']}` ({result['date']})", "",
             (f"Device: {result['device']}; torch {result['torch']}. Overrides for every variant: "
              f"{result['overrides'] or 'none'}. {result['rounds']} rounds of {result['steps']} "
              f"steps per variant, interleaved, after {result['warmup']} uncounted rounds; median "
              f"over rounds. Wall time of the whole call: {result['wall_s']:.0f} s."), "",
             "| variant | overrides | s / step (median) | min – max | ratio to the first |",
             "|---|---|---|---|---|"]
    for name, row in result["variants"].items():
        lines.append(f"| {name} | {', '.join(row['overrides']) or '–'} | {row['median_s']:.4f} | "
                     f"{row['min_s']:.4f} – {row['max_s']:.4f} | {row['ratio']:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset", type=Path)
    parser.add_argument("--variant", dest="variants", action="append", required=True,
                        metavar="NAME=KEY=VALUE[,...]", help="a named set of overrides (repeatable)")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="an override of every variant (repeatable)")
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
    try:
        steppers = {name: Stepper(args.preset, [*common, *extra])
                    for name, extra in variants.items()}
    except (CyclekitError, FileNotFoundError) as error:
        raise SystemExit(f"uda_step_cost: {error}") from None
    times = {name: [] for name in variants}
    for round_index in range(args.warmup + args.rounds):
        for name, stepper in steppers.items():
            seconds = stepper.seconds_per_step(args.steps)
            if round_index >= args.warmup:
                times[name].append(seconds)
    first = statistics.median(next(iter(times.values())))
    result = {"benchmark": "uda_step_cost", "preset": str(args.preset),
              "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "device": describe_device(common, 1), "torch": torch.__version__,
              "overrides": args.overrides, "rounds": args.rounds, "steps": args.steps,
              "warmup": args.warmup, "wall_s": time.perf_counter() - started,
              "variants": {name: {"overrides": variants[name],
                                  "median_s": statistics.median(samples),
                                  "min_s": min(samples), "max_s": max(samples),
                                  "ratio": statistics.median(samples) / first,
                                  "samples_s": samples}
                           for name, samples in times.items()}}
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "step_cost.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(args.out / "step_cost.md", to_markdown(result))
    print(to_markdown(result))


if __name__ == "__main__":
    main()
