"""Measure what ``cyclekit demo`` delivers: translation accuracy and wall time, over seeds.

    python -m benchmarks demo_results [--seeds 0 1 2] [--methods cyclegn cyclegan] [--out DIR]

Each run is the demo's own configuration (``cyclekit.demo.demo_config``) with another seed;
checkpoint rule "last"; metrics on the test split (scikit-learn digits, fixed 80/20 split).
Writes ``benchmarks/results/demo.json`` and ``demo.md``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch

from benchmarks.arguments import add_overrides, add_seeds, study_parser
from benchmarks.launch import train_timed
from benchmarks.results_table import cpu_name, stamp, summarize_by, table, write_result
from cyclekit.demo import demo_config

METRICS = ("test/acc_x2y", "test/acc_y2x", "test/cycle_l1_x", "test/cycle_l1_y",
           "test/ssim_x2y", "test/ssim_y2x", "test/judge_acc_digits", "test/judge_acc_digits_m",
           "train/wall_time_s")


def main() -> None:
    parser = study_parser(__doc__)
    add_seeds(parser)
    parser.add_argument("--methods", nargs="+", default=["cyclegn", "cyclegan"])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    add_overrides(parser)
    args = parser.parse_args()

    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        for method in args.methods:
            for seed in args.seeds:
                config = demo_config(method, [*args.overrides, f"seed={seed}"])
                metrics, seconds = train_timed(config, Path(scratch) / f"{method}-{seed}")
                runs.append({"method": method, "strategy": config.strategy.name, "seed": seed,
                             "run_wall_time_s": seconds,
                             "config": config.to_dict(),
                             "metrics": {k: metrics[k] for k in METRICS if k in metrics}})
                print(f"{method} seed {seed}: " + ", ".join(
                    f"{k}={v:.3f}" for k, v in runs[-1]["metrics"].items()), flush=True)
    result = {
        **stamp("demo"), "device": f"cpu ({cpu_name()}, {torch.get_num_threads()} threads)",
        "torch": torch.__version__, "data": "digits (sklearn 8x8) <-> digits_m, 32 px RGB",
        "checkpoint_rule": "last", "split": "test",
        "protocol": "translation accuracy: a DigitClassifier trained on the target domain's "
                    "training split labels the translated test images",
        "runs": runs, "summary": _summary(runs),
    }
    write_result(args.out, "demo", result, _markdown(result))


def _summary(runs: list[dict]) -> dict:
    return summarize_by(runs, "method", METRICS, lambda run, key: run["metrics"].get(key))


def _markdown(result: dict) -> str:
    keys = ("test/acc_x2y", "test/acc_y2x", "test/cycle_l1_x", "test/cycle_l1_y",
            "test/ssim_x2y", "train/wall_time_s")
    lines = [f"# `cyclekit demo` results ({result['date']})", "",
             (f"Data: {result['data']}. Device: {result['device']}, torch {result['torch']}. "
              f"Checkpoint rule: {result['checkpoint_rule']}; metrics on the {result['split']} split."),
             f"Protocol: {result['protocol']}.", "",
             *table(["method", "strategy", "seeds", *(k.split("/")[-1] for k in keys)],
                    ([method, next(r["strategy"] for r in result["runs"] if r["method"] == method),
                      next(iter(stats.values()))["n"],
                      *(f"{stats[k]['mean']:.3f} ± {stats[k]['std']:.3f}" if k in stats else "–"
                        for k in keys)] for method, stats in result["summary"].items()))]
    judges = {k: v for s in result["summary"].values() for k, v in s.items() if "judge" in k}
    lines += ["", "Judge accuracy on real test images (upper bound): " + ", ".join(
        f"{k.split('_acc_')[-1]} {v['mean']:.3f}" for k, v in judges.items()) + ".", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
