"""Data parallel or threads on a small CPU: ``--processes`` DDP processes of one thread each
against one process of that many threads, the same preset and the same global batch.

    python -m benchmarks data_parallel_cpu PRESET [--set KEY=VALUE ...] [--processes 2]
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

import json
import shutil
import statistics
import time
from pathlib import Path

import torch

from benchmarks.arguments import add_overrides, one_line_errors, study_parser
from benchmarks.launch import interleaved, launch
from benchmarks.results_table import (
    cpu_cores,
    report,
    table,
    utc_now,
    whole_call,
    write_result,
)
from cyclekit.config import load_config

WAYS = ("threads", "data parallel")


def way_overrides(way: str, processes: int, batch_size: int) -> list[str]:
    """The overrides that make ``way`` out of the preset (same global batch)."""
    if way == "threads":
        return [f"train.num_threads={processes}", "train.devices=1"]
    return ["train.num_threads=1", f"train.devices={processes}",
            f"train.batch_size={batch_size // processes}"]


def train_seconds(preset: Path, overrides: list[str], run_dir: Path) -> float:
    """Train one scratch run; its training wall time (s)."""
    done = launch(["train", str(preset)], run_dir, overrides)
    if done.failed:
        last_line = done.last_error_line or f"exit status {done.returncode}"
        raise SystemExit(f"data_parallel_cpu: `{' '.join(done.command)}` failed: {last_line}")
    seconds = json.loads((run_dir / "metrics.json").read_text())["train/wall_time_s"]
    shutil.rmtree(run_dir)
    return seconds


def to_markdown(result: dict) -> str:
    protocol = (f"Device: {result['device']}; torch {result['torch']}. Overrides for both: "
                f"{', '.join(result['overrides']) or 'none'}. Global batch "
                f"{result['batch_size']}, {result['steps']} steps a run, {result['rounds']} "
                f"rounds, the two ways in turn; training wall time only (no start-up, no "
                f"evaluation); median over rounds. {whole_call(result)}")
    rows = ([way, ", ".join(row["overrides"]), f"{row['median_s']:.4f}",
             f"{min(row['samples_s']):.4f} – {max(row['samples_s']):.4f}", f"{row['ratio']:.2f}"]
            for way, row in result["ways"].items())
    return report(f"Data parallel or threads on `{result['preset']}`", result["date"], protocol,
                  table(["way", "overrides", "s / step (median)", "min – max",
                         "ratio to threads"], rows))


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("preset", type=Path)
    add_overrides(parser, "an override of both ways (repeatable)")
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
    with one_line_errors("data_parallel_cpu"):
        batch_size = load_config(args.preset, common).train.batch_size
    if batch_size % args.processes:
        raise SystemExit(f"data_parallel_cpu: the batch of {batch_size} does not split into "
                         f"{args.processes} equal shares; pass --set train.batch_size=... a "
                         f"multiple of {args.processes}")
    if args.runs_dir.exists() and not (args.runs_dir.is_dir() and not any(args.runs_dir.iterdir())):
        raise SystemExit(f"data_parallel_cpu: {args.runs_dir} is not an empty folder; give a "
                         f"fresh --runs-dir (its runs are deleted once read)")
    overrides = {way: way_overrides(way, args.processes, batch_size) for way in WAYS}
    rounds = {way: 0 for way in WAYS}

    def seconds_per_step(way: str) -> float:
        round_index, rounds[way] = rounds[way], rounds[way] + 1
        run_dir = args.runs_dir / f"round_{round_index}_{way.replace(' ', '_')}"
        seconds = train_seconds(args.preset, [*common, *overrides[way]], run_dir)
        print(f"round {round_index}: {way} {seconds / args.steps:.4f} s a step", flush=True)
        return seconds / args.steps

    samples = interleaved({way: lambda way=way: seconds_per_step(way) for way in WAYS},
                          args.rounds)
    threads_median = statistics.median(samples["threads"])
    result = {"benchmark": "data_parallel_cpu", "date": utc_now(),
              "preset": str(args.preset), "device": cpu_cores(), "torch": torch.__version__,
              "overrides": args.overrides, "batch_size": batch_size, "processes": args.processes,
              "steps": args.steps, "rounds": args.rounds,
              "ways": {way: {"overrides": overrides[way], "samples_s": samples[way],
                             "median_s": statistics.median(samples[way]),
                             "ratio": statistics.median(samples[way]) / threads_median}
                       for way in WAYS},
              "wall_s": time.perf_counter() - started}
    write_result(args.out, "data_parallel_cpu", result, to_markdown(result), echo=True)


if __name__ == "__main__":
    main()
