"""Data parallel or threads on a small CPU: ``--processes`` DDP processes of one thread each
against one process of that many threads, the same preset and the same global batch.

    python benchmarks/data_parallel_cpu.py PRESET [--set KEY=VALUE ...] [--processes 2]
        [--steps 200] [--rounds 3] [--runs-dir DIR] --out DIR

Each round trains the preset for ``--steps`` steps with ``cyclekit train`` both ways, in turn
(threads first, then data parallel), so a slow spell of the machine falls on both: one process
with ``train.batch_size`` = B and ``train.num_threads`` = P, against ``train.devices`` = P
processes (gloo) of B / P images each and one thread. Data parallel averages the gradients, so
the update is that of the batch of B, except that batch norm normalises each process's share
apart. Reads ``train/wall_time_s`` (training only: without start-up and the final evaluation)
from each run's ``metrics.json`` and reports the median seconds per step of each way over the
rounds and their ratio (of medians). The runs are scratch: they train under ``--runs-dir`` and
are deleted once read. Writes ``data_parallel_cpu.{json,md}`` into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import torch
from preset_runs import describe_cpu

from cyclekit.config import load_config
from cyclekit.core.atomic import atomic_write_text
from cyclekit.errors import CyclekitError

WAYS = ("threads", "data parallel")


def way_overrides(way: str, processes: int, batch_size: int) -> list[str]:
    """The overrides that make ``way`` out of the preset (same global batch)."""
    if way == "threads":
        return [f"train.num_threads={processes}", "train.devices=1"]
    return ["train.num_threads=1", f"train.devices={processes}",
            f"train.batch_size={batch_size // processes}"]


def train_seconds(preset: Path, overrides: list[str], run_dir: Path) -> float:
    """Train one scratch run; its training wall time (s)."""
    command = ["cyclekit", "train", str(preset), "--out", str(run_dir), "--no-progress",
               *(item for override in overrides for item in ("--set", override))]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last_line = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise SystemExit(f"data_parallel_cpu: `{' '.join(command)}` failed: {last_line[0]}")
    seconds = json.loads((run_dir / "metrics.json").read_text())["train/wall_time_s"]
    shutil.rmtree(run_dir)
    return seconds


def to_markdown(result: dict) -> str:
    rows = result["ways"]
    lines = [f"# Data parallel or threads on `{result['preset']}` ({result['date']})", "",
             (f"Device: {result['device']}; torch {result['torch']}. Overrides for both: "
              f"{', '.join(result['overrides']) or 'none'}. Global batch {result['batch_size']}, "
              f"{result['steps']} steps a run, {result['rounds']} rounds, the two ways in turn; "
              f"training wall time only (no start-up, no evaluation); median over rounds. Wall "
              f"time of the whole call: {result['wall_s']:.0f} s."), "",
             "| way | overrides | s / step (median) | min – max | ratio to threads |",
             "|---|---|---|---|---|"]
    for way in WAYS:
        row = rows[way]
        lines.append(f"| {way} | {', '.join(row['overrides'])} | {row['median_s']:.4f} | "
                     f"{min(row['samples_s']):.4f} – {max(row['samples_s']):.4f} | "
                     f"{row['ratio']:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset", type=Path)
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="an override of both ways (repeatable)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs-dir", type=Path, default=Path("runs/benchmarks/data_parallel_cpu"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    for name in ("processes", "steps", "rounds"):
        if getattr(args, name) < 1:
            raise SystemExit(f"data_parallel_cpu: --{name} must be at least 1, got "
                             f"{getattr(args, name)}")
    started = time.perf_counter()
    # No evaluation or checkpoint inside the steps timed; one checkpoint at the end.
    common = [*args.overrides, f"train.steps={args.steps}", f"train.eval_every={args.steps}",
              f"train.sample_every={args.steps}", f"train.checkpoint_every={args.steps}"]
    try:
        batch_size = load_config(args.preset, common).train.batch_size
    except (CyclekitError, FileNotFoundError) as error:
        raise SystemExit(f"data_parallel_cpu: {error}") from None
    if batch_size % args.processes:
        raise SystemExit(f"data_parallel_cpu: the batch of {batch_size} does not split into "
                         f"{args.processes} equal shares; pass --set train.batch_size=... a "
                         f"multiple of {args.processes}")
    if args.runs_dir.exists() and not (args.runs_dir.is_dir() and not any(args.runs_dir.iterdir())):
        raise SystemExit(f"data_parallel_cpu: {args.runs_dir} is not an empty folder; give a "
                         f"fresh --runs-dir (its runs are deleted once read)")
    overrides = {way: way_overrides(way, args.processes, batch_size) for way in WAYS}
    samples = {way: [] for way in WAYS}
    for round_index in range(args.rounds):
        for way in WAYS:
            run_dir = args.runs_dir / f"round_{round_index}_{way.replace(' ', '_')}"
            seconds = train_seconds(args.preset, [*common, *overrides[way]], run_dir)
            samples[way].append(seconds / args.steps)
            print(f"round {round_index}: {way} {seconds / args.steps:.4f} s a step", flush=True)
    threads_median = statistics.median(samples["threads"])
    result = {"benchmark": "data_parallel_cpu",
              "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "preset": str(args.preset), "device": describe_cpu(), "torch": torch.__version__,
              "overrides": args.overrides, "batch_size": batch_size, "processes": args.processes,
              "steps": args.steps, "rounds": args.rounds,
              "ways": {way: {"overrides": overrides[way], "samples_s": samples[way],
                             "median_s": statistics.median(samples[way]),
                             "ratio": statistics.median(samples[way]) / threads_median}
                       for way in WAYS},
              "wall_s": time.perf_counter() - started}
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "data_parallel_cpu.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(args.out / "data_parallel_cpu.md", to_markdown(result))
    print(to_markdown(result))


if __name__ == "__main__":
    main()
