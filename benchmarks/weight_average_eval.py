"""Polyak averaging against the last iterate on the same finished adaptation runs: each run that
kept a weight average (``train.ema_decay`` > 0) is scored three times, through its averaged
weights (their batch-norm statistics re-estimated, as the run evaluates them), through the last
iterate saved beside them, and through that last iterate with its statistics re-estimated the
same way, which separates what the average gives from what the re-estimation gives.

    python -m benchmarks weight_average_eval RUN_DIR [RUN_DIR ...] --out DIR [--threads 2]

Trains nothing. Scores the checkpoint of each run's own rule ("last"): the target classifier's
test accuracy (CDLM: through x~_ts), the classifier on features, and the source test accuracy,
as ``uda_eval`` computes them; the averaged scores are checked against the run's recorded
``metrics.json``. Writes ``weight_average_eval.{json,md}`` to ``--out``.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import torch

from benchmarks.arguments import study_parser
from benchmarks.results_table import cpu_cores, stamp, write_result

ACCURACIES = {"target_acc": "target, x~_ts", "target_acc_feature": "target, features",
              "source_acc": "source"}


WEIGHTS = {"averaged": "averaged", "last_iterate": "last iterate",
           "last_iterate_reestimated": "last iterate, statistics re-estimated"}


def scores(run_dir: Path, weights: str) -> dict[str, float]:
    """The three test accuracies of ``run_dir`` through one of the ``WEIGHTS``."""
    from cyclekit.adaptation.domain_batch_norm import SOURCE
    from cyclekit.adaptation.evaluation import accuracy
    from cyclekit.config import load_config
    from cyclekit.engine.checkpoint import load_checkpoint
    from cyclekit.engine.loading import build_method, selected_checkpoint
    from cyclekit.engine.weight_average import WeightAverage

    config = load_config(run_dir / "config.yaml")
    method = build_method(config, torch.device("cpu"))
    state = load_checkpoint(selected_checkpoint(config, run_dir / "checkpoints"), method,
                            fingerprint=config.fingerprint(), averaged=weights == "averaged")
    data = method.load_data(config)
    if weights == "last_iterate_reestimated":  # as the trainer re-estimates the average's
        copy = WeightAverage(method, config.train.ema_decay)
        batcher = method.make_batcher(data)
        memory_format = (torch.channels_last if config.train.channels_last
                         else torch.contiguous_format)

        def batches() -> dict:
            return {name: value.to(memory_format=memory_format) if value.dim() == 4 else value
                    for name, value in batcher.next().items()}

        autocast = torch.autocast("cpu", dtype=torch.bfloat16,
                                  enabled=config.train.precision == "bf16-mixed")
        with torch.random.fork_rng(devices=[]), autocast:
            torch.manual_seed(config.seed)  # the same draws whatever ran before in this process
            copy.reestimate_batch_norm(method.make_training_step(), set(method.player_params()),
                                       int(state["loop"]["step"]), batches)
        method = copy.method.eval()
    return {"target_acc": accuracy(method.classify, data.y.test, method, "cpu"),
            "target_acc_feature": accuracy(method.classify_features, data.y.test, method, "cpu"),
            "source_acc": accuracy(lambda x: method.classify(x, SOURCE), data.x.test, method,
                                   "cpu")}


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("runs", type=Path, nargs="+", help="finished runs with a weight average")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    rows = []
    for run_dir in args.runs:
        recorded = json.loads((run_dir / "metrics.json").read_text())
        if recorded.get("eval/weights") != "averaged":
            raise SystemExit(f"{run_dir} kept no weight average (train.ema_decay 0); give runs "
                             f"trained with --set train.ema_decay=0.998")
        row = {"run": str(run_dir), **{weights: scores(run_dir, weights) for weights in WEIGHTS}}
        if abs(row["averaged"]["target_acc"] - recorded["test/target_acc"]) > 1e-6:
            raise SystemExit(f"{run_dir}: the averaged weights score "
                             f"{row['averaged']['target_acc']:.4f}, not the recorded "
                             f"{recorded['test/target_acc']:.4f}")
        rows.append(row)
        print(f"{run_dir}: " + ", ".join(f"{WEIGHTS[w]} {row[w]['target_acc']:.4f}"
                                         for w in WEIGHTS), flush=True)
    result = {**stamp("weight_average_eval"), "device": cpu_cores(), "torch": torch.__version__,
              "threads": args.threads, "checkpoint_rule": "last",
              "protocol": "each run scored through its averaged weights (statistics "
                          "re-estimated, as evaluated), the last iterate of the same checkpoint, "
                          "and that iterate with its statistics re-estimated the same way "
                          "(50 training batches); test splits; nothing selected",
              "wall_s": round(time.perf_counter() - started, 1), "runs": rows}
    write_result(args.out, "weight_average_eval", result, markdown(result))


def markdown(result: dict) -> str:
    lines = [f"# Weight average against last iterate ({result['date']})", "",
             (f"{result['protocol']}. Device: {result['device']}, torch {result['torch']}, "
              f"{result['threads']} thread(s), {result['wall_s']} s."), "",
             "| run | " + " | ".join(f"{label}: {name}" for label in ACCURACIES.values()
                                     for name in WEIGHTS.values()) + " |",
             "|---|" + "---|" * len(ACCURACIES) * len(WEIGHTS)]
    for row in result["runs"]:
        cells = [f"{row[weights][key]:.4f}" for key in ACCURACIES for weights in WEIGHTS]
        lines.append(f"| {row['run']} | " + " | ".join(cells) + " |")
    lines.append("")
    for weights in ("last_iterate", "last_iterate_reestimated"):
        gaps = [row["averaged"]["target_acc"] - row[weights]["target_acc"]
                for row in result["runs"]]
        lines.append(f"Target accuracy, averaged minus {WEIGHTS[weights]}: median "
                     f"{statistics.median(gaps):+.4f}, range {min(gaps):+.4f} to "
                     f"{max(gaps):+.4f} over {len(gaps)} run(s).")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
