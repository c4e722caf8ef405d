"""Where the adaptation runs of ``uda_results.py`` go wrong (issue 4): the confusion matrix of
each run's target classifier on the target test split, its per-class recall and its largest
confusions, for the rows and tasks asked.

    python -m benchmarks uda_confusions [--tasks mnist_usps ...] [--rows cdlm dann]
        [--runs-dir runs/benchmarks/uda] [--out benchmarks/results] [--figures docs/figures]
        [--report-only]

Reads the finished runs of ``benchmarks/uda_results.py`` (checkpoint rule "last", as their
scores) and trains nothing. Every run's accuracy is recomputed from its confusion matrix and
checked against its recorded ``test/target_acc``. Runs of the earlier report that this call
does not measure (other rows, tasks or seeds, or run folders now gone) are kept as recorded,
each with the date it was measured. Writes ``uda_confusions.{json,md}`` and
``uda_confusions.png`` (row-normalised matrices of the CDLM runs of MNIST → USPS, seeds 0-2,
and of Fashion → FashionM, seed 0); ``--report-only`` redraws them from the JSON.
"""

from __future__ import annotations

import json
from operator import itemgetter
from pathlib import Path

import numpy as np
import torch

from benchmarks.arguments import RUNS, add_folders, add_seeds, study_parser
from benchmarks.preset_runs import describe_device, read_run
from benchmarks.results_table import (
    read_result,
    report,
    save_figure,
    table,
    utc_now,
    write_result,
)

TASKS = ("mnist_usps", "usps_mnist", "mnist_mnistm", "mnistm_mnist", "fashion_fashionm",
         "fashionm_fashion")
FASHION_CLASSES = ("T-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
                   "sneaker", "bag", "ankle boot")
FIGURE_PANELS = (("mnist_usps", 0), ("mnist_usps", 1), ("mnist_usps", 2),
                 ("fashion_fashionm", 0))
TOP = 3


def class_names(task: str) -> list[str]:
    return list(FASHION_CLASSES) if "fashion" in task else [str(k) for k in range(10)]


def largest_confusions(matrix: np.ndarray, count: int = TOP) -> list[dict]:
    """The ``count`` largest off-diagonal cells: true class, predicted class, images, and the
    share of the true class's images they hold."""
    cells = [(int(matrix[i, j]), i, j) for i in range(len(matrix)) for j in range(len(matrix))
             if i != j and matrix[i, j] > 0]
    cells.sort(key=lambda cell: (-cell[0], cell[1], cell[2]))
    return [{"true": i, "predicted": j, "images": n, "share": n / int(matrix[i].sum())}
            for n, i, j in cells[:count]]


def summarize_matrix(matrix: np.ndarray) -> dict:
    totals = matrix.sum(axis=1)
    recall = np.divide(np.diag(matrix), totals, out=np.zeros(len(matrix)), where=totals > 0)
    return {"accuracy": float(np.trace(matrix) / matrix.sum()),
            "recall": [float(value) for value in recall],
            "confusions": largest_confusions(matrix), "matrix": matrix.tolist()}


@torch.no_grad()
def confusion(run_folder: Path) -> np.ndarray:
    """Target test confusion matrix (rows: true class) of a trained adaptation run."""
    from sklearn.metrics import confusion_matrix

    from cyclekit.adaptation.evaluation import apply
    from cyclekit.engine.loading import load_trained_method

    config, method = load_trained_method(run_folder)
    target = method.load_data(config).y.test
    predicted = apply(method.classify, target.images, method, "cpu").argmax(dim=1)
    return confusion_matrix(target.labels.numpy(), predicted.numpy(),
                            labels=list(range(config.data.num_classes)))


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS)
    parser.add_argument("--rows", nargs="+", default=["cdlm", "dann"])
    add_seeds(parser)
    add_folders(parser, RUNS / "uda",
                report_only="redraw the table and figure from uda_confusions.json")
    args = parser.parse_args()
    if args.report_only:
        return _report(read_result(args.out, "uda_confusions"), args)
    torch.set_num_threads(1)
    now = utc_now()
    runs = []
    for task in args.tasks:
        for row in args.rows:
            for seed in args.seeds:
                folder = args.runs_dir / task / row / f"seed{seed}"
                recorded = read_run(folder)
                if recorded is None or not (folder / "checkpoints").is_dir():
                    continue
                found = summarize_matrix(confusion(folder))
                expected = recorded["metrics"]["target_acc"]
                if abs(found["accuracy"] - expected) > 1e-6:
                    raise SystemExit(f"{folder}: recomputed accuracy {found['accuracy']:.4f} is "
                                     f"not the recorded {expected:.4f}; was the run changed?")
                runs.append({"task": task, "row": row, "seed": seed, "measured": now, **found})
                print(f"{task}/{row}/seed{seed}: {found['accuracy']:.3f}", flush=True)
    if not runs:
        raise SystemExit(f"no finished runs with checkpoints under {args.runs_dir}; train them "
                         "with `python -m benchmarks uda_results` first")
    earlier = args.out / "uda_confusions.json"
    if earlier.is_file():
        recorded = json.loads(earlier.read_text())
        runs = merge_runs([{**run, "measured": run.get("measured") or recorded["date"]}
                           for run in recorded["runs"]], runs)
    result = {"benchmark": "uda_confusions", "date": now,
              "device": describe_device([], 1), "torch": torch.__version__,
              "checkpoint_rule": "last", "split": "target test split",
              "classifier": "each method's target classifier (CDLM: C(x~_ts))", "runs": runs}
    _report(result, args)


def merge_runs(earlier: list[dict], measured: list[dict]) -> list[dict]:
    """``measured`` and the ``earlier`` runs it does not replace (same task, row and seed), in
    task, row and seed order."""
    key = itemgetter("task", "row", "seed")
    fresh = {key(run) for run in measured}
    kept = [run for run in earlier if key(run) not in fresh]
    return sorted(kept + measured,
                  key=lambda run: (TASKS.index(run["task"]), run["row"], run["seed"]))


def _report(result: dict, args) -> None:
    write_result(args.out, "uda_confusions", result, markdown(result))
    _figure(result["runs"], args.figures / "uda_confusions.png")


def markdown(result: dict) -> str:
    protocol = (f"Classifier: {result['classifier']}, on the {result['split']}; checkpoint rule "
                f"{result['checkpoint_rule']}; evaluated on {result['device']}, torch "
                f"{result['torch']}; runs kept from earlier reports carry their own date in the "
                "JSON. Recall: the share of a true class labelled correctly. Confusions: true → "
                "predicted, images (share of the true class).")
    return report("Where adaptation goes wrong: target confusions", result["date"], protocol,
                  table(["task", "row", "seed", "accuracy", "lowest recall",
                         "largest confusions"], map(_confusion_row, result["runs"])))


def _confusion_row(run: dict) -> list:
    names = class_names(run["task"])
    worst = int(np.argmin(run["recall"]))
    confusions = "; ".join(f"{names[c['true']]} → {names[c['predicted']]} {c['images']} "
                           f"({c['share']:.2f})" for c in run["confusions"])
    return [run["task"], run["row"], run["seed"], f"{run['accuracy']:.3f}",
            f"{names[worst]} {run['recall'][worst]:.2f}", confusions]


def _figure(runs: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chosen = [run for task, seed in FIGURE_PANELS for run in runs
              if run["task"] == task and run["row"] == "cdlm" and run["seed"] == seed]
    if not chosen:
        return
    figure, axes = plt.subplots(1, len(chosen), figsize=(3.4 * len(chosen), 3.9), squeeze=False)
    for axis, run in zip(axes[0], chosen):
        matrix = np.asarray(run["matrix"], dtype=float)
        shares = matrix / matrix.sum(axis=1, keepdims=True).clip(min=1)
        axis.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
        ticks = range(len(matrix))
        labels = [name[:5] for name in class_names(run["task"])]
        axis.set_xticks(ticks, labels, rotation=90, fontsize=7)
        axis.set_yticks(ticks, labels, fontsize=7)
        axis.set_xlabel("predicted")
        axis.set_ylabel("true")
        axis.set_title(f"CDLM {run['task']} seed {run['seed']}\nacc {run['accuracy']:.3f}",
                       fontsize=9)
    figure.tight_layout()
    save_figure(figure, path, dpi=90)


if __name__ == "__main__":
    main()
