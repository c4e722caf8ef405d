"""Measure what ``cyclekit demo`` delivers: translation accuracy and wall time, over seeds.

    python benchmarks/demo_results.py [--seeds 0 1 2] [--methods cyclegn cyclegan] [--out DIR]

Each run is the demo's own configuration (``cyclekit.demo.demo_config``) with another seed;
checkpoint rule "last"; metrics on the test split (scikit-learn digits, fixed 80/20 split).
Writes ``benchmarks/results/demo.json`` and ``demo.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from cyclekit.core.atomic import atomic_write_text
from cyclekit.core.trainer import train
from cyclekit.demo import demo_config

METRICS = ("test/acc_x2y", "test/acc_y2x", "test/cycle_l1_x", "test/cycle_l1_y",
           "test/ssim_x2y", "test/ssim_y2x", "test/judge_acc_digits", "test/judge_acc_digits_m",
           "train/wall_time_s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--methods", nargs="+", default=["cyclegn", "cyclegan"])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()

    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        for method in args.methods:
            for seed in args.seeds:
                config = demo_config(method, [*args.overrides, f"seed={seed}"])
                started = time.perf_counter()
                metrics = train(config, Path(scratch) / f"{method}-{seed}", progress=False)
                runs.append({"method": method, "strategy": config.strategy.name, "seed": seed,
                             "run_wall_time_s": time.perf_counter() - started,
                             "config": config.to_dict(),
                             "metrics": {k: metrics[k] for k in METRICS if k in metrics}})
                print(f"{method} seed {seed}: " + ", ".join(
                    f"{k}={v:.3f}" for k, v in runs[-1]["metrics"].items()), flush=True)
    result = {
        "benchmark": "demo", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "device": f"cpu ({platform.processor() or platform.machine()}, "
                  f"{torch.get_num_threads()} threads)",
        "torch": torch.__version__, "data": "digits (sklearn 8x8) <-> digits_m, 32 px RGB",
        "checkpoint_rule": "last", "split": "test",
        "protocol": "translation accuracy: a DigitClassifier trained on the target domain's "
                    "training split labels the translated test images",
        "runs": runs, "summary": _summary(runs),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "demo.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(args.out / "demo.md", _markdown(result))


def _summary(runs: list[dict]) -> dict:
    summary = {}
    for method in dict.fromkeys(run["method"] for run in runs):
        chosen = [run for run in runs if run["method"] == method]
        summary[method] = {}
        for key in METRICS:
            values = [run["metrics"][key] for run in chosen if key in run["metrics"]]
            if values:
                summary[method][key] = {
                    "mean": statistics.fmean(values),
                    "std": statistics.stdev(values) if len(values) > 1 else 0.0,
                    "median": statistics.median(values), "n": len(values)}
    return summary


def _markdown(result: dict) -> str:
    keys = ("test/acc_x2y", "test/acc_y2x", "test/cycle_l1_x", "test/cycle_l1_y",
            "test/ssim_x2y", "train/wall_time_s")
    lines = [f"# `cyclekit demo` results ({result['date']})", "",
             (f"Data: {result['data']}. Device: {result['device']}, torch {result['torch']}. "
              f"Checkpoint rule: {result['checkpoint_rule']}; metrics on the {result['split']} split."),
             f"Protocol: {result['protocol']}.", "",
             "| method | strategy | seeds | " + " | ".join(k.split("/")[-1] for k in keys) + " |",
             "|---|---|---|" + "---|" * len(keys)]
    for method, stats in result["summary"].items():
        strategy = next(r["strategy"] for r in result["runs"] if r["method"] == method)
        seeds = next(iter(stats.values()))["n"]
        cells = [f"{stats[k]['mean']:.3f} ± {stats[k]['std']:.3f}" if k in stats else "–"
                 for k in keys]
        lines.append(f"| {method} | {strategy} | {seeds} | " + " | ".join(cells) + " |")
    judges = {k: v for s in result["summary"].values() for k, v in s.items() if "judge" in k}
    lines += ["", "Judge accuracy on real test images (upper bound): " + ", ".join(
        f"{k.split('_acc_')[-1]} {v['mean']:.3f}" for k, v in judges.items()) + ".", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
