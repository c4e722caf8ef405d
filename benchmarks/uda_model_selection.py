"""Choosing an adaptation model without target labels (issue 4): Deep Embedded Validation
(DEV; You et al., ICML 2019), the naive source-validation accuracy and information
maximisation on unlabelled target images, over the finished
adaptation runs of ``uda_results.py`` (CDLM as shipped and with the options beyond the paper,
and DANN).

    python -m benchmarks uda_model_selection [--tasks mnist_mnistm ...] [--seeds 0 1 2]
        [--candidate NAME=ROW:DIR[,DIR...] ...] [--out benchmarks/results] [--report-only]

Trains nothing. For every run (checkpoint rule "last", as its scores) it reads

* the source *validation* split (``data.val_size`` labelled images held out of training):
  the 0-1 error of the run's target classifier on them (CDLM: C of the source-like generation);
* features of 5000 source and 5000 target *training* images (no target label is read): the
  domain classifier of :func:`~cyclekit.adaptation.deep_embedded_validation.density_ratio`;

and gives DEV's estimate of the target accuracy, 1 - R; and, a criterion that needs no
overlap of the domains, the information maximisation H(mean p) - mean H(p) of the target
classifier's predictions on those 5000 unlabelled target images. The target test labels are read once
per run, only to check that its recorded accuracy is the checkpoint's and to score the choice.
A selection picks, per seed, the candidate with the highest estimate among the runs of that
seed, and is scored by its regret, the target accuracy it gives up to the best run of that
seed; a candidate-level choice takes the highest estimate averaged over its seeds.
Writes ``uda_model_selection.{json,md,png}``; a run the earlier JSON already holds (same task,
candidate, seed and folder) is taken from it, not measured again, so the pool can grow over
several calls. ``--report-only`` redraws the table from the JSON.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks.arguments import RUNS, add_folders, add_seeds, study_parser
from benchmarks.preset_runs import describe_device, read_run
from benchmarks.results_table import save_figure, table, utc_now, write_result
from cyclekit.errors import CyclekitError

TASKS = ("mnist_usps", "usps_mnist", "mnist_mnistm", "mnistm_mnist", "fashion_fashionm",
         "fashionm_fashion")
# Candidate name -> (row, run folders that hold its seeds), the run folders of the analyses in
# docs/uda.md. A seed is taken from the first folder that has it.
CANDIDATES = {
    "cdlm (shipped)": ("cdlm", ["uda", "uda_shipped_rerun"]),
    "cdlm + entropy 0.1": ("cdlm", ["uda_target_entropy_0.1", "uda_target_entropy_0.1_cpu"]),
    "cdlm + entropy 1.0": ("cdlm", ["uda_target_entropy_1.0"]),
    "cdlm + entropy + VAT, radius 3.5": ("cdlm", ["uda_target_vada"]),
    "cdlm + entropy + VAT, radius 1": ("cdlm", ["uda_target_vada_radius_1"]),
    "cdlm, 4x widths": ("cdlm", ["uda_capacity"]),
    "dann": ("dann", ["uda"]),
}
DISCRIMINATOR_SAMPLES = 5000
# Label-free criteria (higher is better), and the oracle they are scored against.
CRITERIA = {"dev_target_acc": "DEV", "source_val_acc": "source validation accuracy",
            "information_maximization": "information maximisation on target (nats)",
            "target_acc": "target test accuracy (oracle, not a selection)"}
SAMPLE_SEED = 0


def parse_candidate(text: str) -> tuple[str, tuple[str, list[str]]]:
    try:
        name, rest = text.split("=", 1)
        row, folders = rest.split(":", 1)
    except ValueError:
        raise SystemExit(f"--candidate {text!r}: write NAME=ROW:DIR[,DIR...], e.g. "
                         "'cdlm wide=cdlm:uda_capacity'") from None
    return name, (row, folders.split(","))


def finished_run(root: Path, folders: list[str], task: str, row: str, seed: int,
                 ) -> Path | None:
    """The first of ``folders`` (under ``root``) with a finished, checkpointed run of this seed."""
    for name in folders:
        folder = root / name / task / row / f"seed{seed}"
        if (folder / "checkpoints").is_dir() and read_run(folder) is not None:
            return folder
    return None


def subsample(images: torch.Tensor, count: int) -> torch.Tensor:
    order = np.random.default_rng(SAMPLE_SEED).permutation(len(images))[:count]
    return images[np.sort(order)]


def information_maximization(probabilities: torch.Tensor) -> float:
    """H(mean p) - mean H(p) over unlabelled target predictions (nats): confident predictions
    spread over all classes score high, one class for everything scores 0."""
    def entropy(p):
        return -(p * p.clamp_min(1e-12).log()).sum(dim=-1)

    return float(entropy(probabilities.mean(dim=0)) - entropy(probabilities).mean())


@torch.no_grad()
def measure(folder: Path, data_cache: dict) -> dict:
    """DEV's estimate, the source-validation accuracy, the information maximisation on
    unlabelled target images and the target test accuracy of a run."""
    from cyclekit.adaptation.deep_embedded_validation import (
        density_ratio,
        dev_risk,
        effective_sample_size,
    )
    from cyclekit.adaptation.domain_batch_norm import SOURCE, TARGET
    from cyclekit.adaptation.evaluation import accuracy, apply
    from cyclekit.engine.loading import load_trained_method

    config, method = load_trained_method(folder)
    key = json.dumps(config.to_dict()["data"], sort_keys=True)
    if key not in data_cache:
        data_cache.clear()
        data_cache[key] = method.load_data(config)
    pair = data_cache[key]

    def features(images, domain):
        return apply(lambda x: method.features(x, domain), images, method, "cpu").numpy()

    validation = pair.x.val
    unlabelled = subsample(pair.y.train.images, DISCRIMINATOR_SAMPLES)
    errors = (apply(lambda x: method.classify(x, SOURCE), validation.images, method, "cpu")
              .argmax(dim=1) != validation.labels).numpy().astype(float)
    found = density_ratio(
        features(subsample(pair.x.train.images, DISCRIMINATOR_SAMPLES), SOURCE),
        features(unlabelled, TARGET),
        features(validation.images, SOURCE), seed=SAMPLE_SEED)
    weights = found["weights"]
    probabilities = apply(method.classify, unlabelled, method, "cpu").float().softmax(dim=1)
    target_acc = accuracy(method.classify, pair.y.test, method, "cpu")
    return {"dev_target_acc": 1.0 - dev_risk(weights, errors),
            "weighted_target_acc": 1.0 - float(np.mean(weights * errors)),
            "source_val_acc": 1.0 - float(errors.mean()),
            "information_maximization": information_maximization(probabilities),
            "domain_accuracy": found["domain_accuracy"],
            "weight_mean": float(weights.mean()), "weight_max": float(weights.max()),
            "effective_samples": effective_sample_size(weights),
            "validation_samples": len(errors), "target_acc": target_acc}


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--tasks", nargs="+", default=["mnist_usps", "usps_mnist",
                                                       "mnist_mnistm"], choices=TASKS)
    add_seeds(parser)
    parser.add_argument("--candidate", action="append", default=[],
                        help="NAME=ROW:DIR[,DIR...] (folders under runs/benchmarks); replaces "
                             "the default candidates when given")
    parser.add_argument("--runs-root", type=Path, default=RUNS,
                        help="the folder that holds the candidates' run folders")
    add_folders(parser, figures=False, report_only=True)
    args = parser.parse_args()
    out = args.out / "uda_model_selection.json"
    if args.report_only:
        result = json.loads(out.read_text())
        _write({**result, "tasks": summarize(result["runs"])}, args.out)
        return
    candidates = dict(map(parse_candidate, args.candidate)) or CANDIDATES
    torch.set_num_threads(1)
    earlier = {(run["task"], run["candidate"], run["seed"], run["folder"]): run
               for run in (json.loads(out.read_text())["runs"] if out.is_file() else [])}
    runs, data_cache = [], {}
    now = utc_now()
    for task in args.tasks:
        for name, (row, folders) in candidates.items():
            for seed in args.seeds:
                folder = finished_run(args.runs_root, folders, task, row, seed)
                if folder is None:
                    continue
                key = (task, name, seed, str(folder.relative_to(args.runs_root)))
                if key in earlier:  # measured by an earlier call: the run is kept, not redone
                    runs.append(earlier[key])
                    continue
                started = time.perf_counter()
                try:
                    found = measure(folder, data_cache)
                except CyclekitError as error:
                    raise SystemExit(f"{folder}: {error}") from None
                recorded = read_run(folder)["metrics"]["target_acc"]
                if abs(found["target_acc"] - recorded) > 1e-6:
                    raise SystemExit(f"{folder}: target accuracy {found['target_acc']:.4f} is not "
                                     f"the recorded {recorded:.4f}; was the run changed?")
                runs.append({"task": task, "candidate": name, "seed": seed, "folder": key[3],
                             "measured": now,
                             "seconds": time.perf_counter() - started, **found})
                print(f"{task} | {name} | seed {seed}: DEV {found['dev_target_acc']:.3f}, "
                      f"source val {found['source_val_acc']:.3f}, target "
                      f"{found['target_acc']:.3f}", flush=True)
    if not runs:
        raise SystemExit(f"no finished runs with checkpoints under {args.runs_root}; train them with "
                         "`python -m benchmarks uda_results` first")
    result = {"benchmark": "uda_model_selection",
              "date": now, "device": describe_device([], 1), "torch": torch.__version__,
              "checkpoint_rule": "last",
              "protocol": (f"DEV (You et al. 2019): domain classifier on {DISCRIMINATOR_SAMPLES} "
                           "source and target training features (no target label), 0-1 error "
                           "of the target classifier on the source validation split, "
                           "control-variate estimate; information maximisation H(mean p) - "
                           f"mean H(p) of the target classifier on {DISCRIMINATOR_SAMPLES} "
                           "unlabelled target training images; target test labels only to "
                           "score"),
              "runs": runs, "tasks": summarize(runs)}
    _write(result, args.out)


def summarize(runs: list[dict]) -> dict:
    """Per task: every candidate's means, and what each criterion picks."""
    from scipy.stats import spearmanr

    tasks = {}
    for task in dict.fromkeys(run["task"] for run in runs):
        mine = [run for run in runs if run["task"] == task]
        names = list(dict.fromkeys(run["candidate"] for run in mine))
        means = {name: {key: statistics.fmean(run[key] for run in mine
                                              if run["candidate"] == name)
                        for key in CRITERIA}
                 | {"seeds": [run["seed"] for run in mine if run["candidate"] == name]}
                 for name in names}
        picks = {}
        for criterion in CRITERIA:
            per_seed = []
            for seed in sorted({run["seed"] for run in mine}):
                pool = [run for run in mine if run["seed"] == seed]
                if len(pool) > 1:
                    best = max(pool, key=lambda run: run[criterion])
                    oracle = max(run["target_acc"] for run in pool)
                    per_seed.append({"seed": seed, "candidate": best["candidate"],
                                     "target_acc": best["target_acc"], "pool": len(pool),
                                     "regret": oracle - best["target_acc"]})
            best_mean = max(names, key=lambda name: means[name][criterion])
            picks[criterion] = {"per_seed": per_seed, "candidate": best_mean,
                                "target_acc": means[best_mean]["target_acc"],
                                "mean_regret": statistics.fmean(p["regret"] for p in per_seed)
                                if per_seed else None}
        spearman = {criterion: float(spearmanr([run[criterion] for run in mine],
                                               [run["target_acc"] for run in mine]).statistic)
                    for criterion in CRITERIA if criterion != "target_acc"}
        tasks[task] = {"candidates": means, "picks": picks, "runs": len(mine),
                       "spearman": spearman}
    return tasks


def _write(result: dict, out: Path) -> None:
    write_result(out, "uda_model_selection", result, markdown(result))
    _figure(result, out / "uda_model_selection.png")


def _figure(result: dict, path: Path) -> None:
    """One panel per criterion and task: the criterion of every run against its target test
    accuracy, one colour per candidate."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    criteria = [c for c in CRITERIA if c != "target_acc"]
    tasks = list(result["tasks"])
    names = list(dict.fromkeys(run["candidate"] for run in result["runs"]))
    colours = {name: plt.cm.tab10(k % 10) for k, name in enumerate(names)}
    figure, axes = plt.subplots(len(criteria), len(tasks), squeeze=False,
                                figsize=(3.3 * len(tasks), 2.7 * len(criteria)))
    for row, criterion in enumerate(criteria):
        for column, task in enumerate(tasks):
            axis = axes[row][column]
            for run in result["runs"]:
                if run["task"] == task:
                    axis.scatter(run[criterion], run["target_acc"], s=22,
                                 color=colours[run["candidate"]])
            rho = result["tasks"][task]["spearman"][criterion]
            axis.set_title(f"{task}: Spearman {rho:.2f}", fontsize=8)
            axis.set_xlabel(CRITERIA[criterion], fontsize=7)
            axis.set_ylabel("target test accuracy", fontsize=7)
            axis.tick_params(labelsize=7)
    figure.legend(handles=[plt.Line2D([], [], marker="o", linestyle="", color=colours[name],
                                      label=name) for name in names],
                  loc="lower center", ncol=min(4, len(names)), fontsize=7, frameon=False)
    figure.tight_layout(rect=(0, 0.06, 1, 1))
    save_figure(figure, path, dpi=80)


def markdown(result: dict) -> str:
    lines = [f"# Choosing an adaptation model without target labels ({result['date']})", "",
             (f"Protocol: {result['protocol']}. Checkpoint rule {result['checkpoint_rule']}; "
             f"evaluated on {result['device']}, torch {result['torch']}. Each run's folder and the "
             "date it was measured are in the JSON."), ""]
    for task, summary in result["tasks"].items():
        lines += [f"## {task}", "",
                  ("| candidate | seeds | DEV estimate of target acc | source val acc | "
                  "information maximisation | target test acc |"), "|---|---|---|---|---|---|"]
        for name, means in summary["candidates"].items():
            lines.append(f"| {name} | {', '.join(map(str, means['seeds']))} | "
                         f"{means['dev_target_acc']:.3f} | {means['source_val_acc']:.3f} | "
                         f"{means['information_maximization']:.3f} | "
                         f"{means['target_acc']:.3f} |")
        correlations = ", ".join(f"{CRITERIA[criterion]} {rho:.2f}"
                                 for criterion, rho in summary["spearman"].items())
        lines += ["", (f"Spearman rank correlation with the target test accuracy over the "
                      f"{summary['runs']} runs: {correlations}."), "",
                  ("| criterion | candidate with the best mean | its target acc | per seed: pick "
                  "(target acc) | mean regret per seed |"), "|---|---|---|---|---|"]
        for criterion, pick in summary["picks"].items():
            seeds = "; ".join(f"{p['seed']}: {p['candidate']} ({p['target_acc']:.3f})"
                              for p in pick["per_seed"])
            regret = "–" if pick["mean_regret"] is None else f"{pick['mean_regret']:.3f}"
            lines.append(f"| {CRITERIA[criterion]} | {pick['candidate']} | "
                         f"{pick['target_acc']:.3f} | {seeds} | {regret} |")
        lines.append("")
    scores = ("dev_target_acc", "weighted_target_acc", "source_val_acc",
              "information_maximization", "target_acc", "domain_accuracy")
    lines += ["## Runs", "", *table(
        ["task", "candidate", "seed", "DEV", "IW (no control variate)", "source val", "IM",
         "target", "domain classifier acc", "effective samples", "max weight"],
        ([run["task"], run["candidate"], run["seed"], *(f"{run[key]:.3f}" for key in scores),
          f"{run['effective_samples']:.0f} of {run['validation_samples']}",
          f"{run['weight_max']:.1f}"] for run in result["runs"]))]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
