"""Unsupervised domain adaptation (issue 4, Hou et al.): Table 2 with CDLM, DANN and the source-
and target-only bounds; the ablations of Tables 3, 6 and 7; A-distance, t-SNE and Fig. 5.

    python -m benchmarks uda_results [--tasks mnist_usps ...] [--rows cdlm dann ...]
        [--seeds 0 1 2] [--parallel 2] [--runs-dir runs/benchmarks/uda] [--report-only]
        [--set key=value ...]

Every (task, row) is a shipped preset, ``configs/uda/<task>_<row>.yaml`` (pairs without a
preset are skipped), trained with ``cyclekit train`` (one subprocess per run, ``--parallel``
at a time, one thread each) and evaluated with checkpoint rule "last" on the test split;
target labels are read only by that final score. A finished run (``metrics.json`` present)
is not run again and a stopped one is resumed, so the benchmark can be built over several
sessions; runs go seed by seed, so an interrupted table has whole seeds but the one in
progress. A run folder trained from another version of its preset (or with other ``--set``
overrides) is reported and left alone. Writes ``benchmarks/results/uda.{json,md}``, keeping
the runs of an earlier ``uda.json`` that this call does not collect again, unless their preset
has changed since; and, in ``--figures``: ``uda_a_distance.png`` (raw pixels vs DANN vs CDLM
features), ``uda_tsne_<task>.png`` (h and z of CDLM, seed 0) and ``uda_generations_<task>.png``
(target test images over their source-like generations x~_ts, the paper's Fig. 5), each drawn
from the CDLM seed-0 run this call collected; ``uda.md`` links the figures found there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from benchmarks import ROOT
from benchmarks.arguments import add_overrides, add_preset_table, study_parser
from benchmarks.launch import run_all, run_preset
from benchmarks.preset_runs import (
    describe_device,
    matches_preset,
    read_run,
    run_dir,
    stale_run,
    summarize,
)
from benchmarks.results_table import stamp, write_json, write_markdown

PRESETS = ROOT / "configs" / "uda"

TASKS = {  # task -> label; the paper's Table 2 (source only, DANN, CDLM x~_ts, target only)
    "mnist_usps": ("MNIST→USPS", {"source_only": 0.634, "dann": 0.774, "cdlm": 0.961,
                                  "target_only": 0.980}),
    "usps_mnist": ("USPS→MNIST", {"source_only": 0.625, "dann": 0.833, "cdlm": 0.983,
                                  "target_only": 0.985}),
    "mnist_mnistm": ("MNIST→MNIST-M", {"source_only": 0.561, "dann": 0.766, "cdlm": 0.987,
                                       "target_only": 0.983}),
    "mnistm_mnist": ("MNIST-M→MNIST", {"source_only": 0.633, "dann": 0.851, "cdlm": 0.962,
                                       "target_only": 0.985}),
    "fashion_fashionm": ("Fashion→FashionM", {"source_only": 0.527, "dann": 0.765,
                                              "cdlm": 0.913, "target_only": 0.920}),
    "fashionm_fashion": ("FashionM→Fashion", {"source_only": 0.612, "dann": 0.822,
                                              "cdlm": 0.922, "target_only": 0.942}),
}
BAR = {"cdlm": {"mnist_usps": 0.961, "usps_mnist": 0.983, "fashion_fashionm": 0.913,
                "mnist_mnistm": 0.95},
       "dann": {"mnist_usps": 0.917, "usps_mnist": 0.952}}  # the bar

ROWS = {  # row -> label
    "source_only": "Source only (lower bound)",
    "dann": "DANN",
    "cdlm": "CDLM (x~_ts)",
    "target_only": "Target only (upper bound)",
    "cdlm_no_lc": "CDLM w/o L_c",
    "cdlm_lct": "CDLM + L_c^t",
    "cdlm_lcs": "CDLM + L_c^s",
    "cdlm_gamma_01_10": "CDLM (γ1, γ2) = (0.1, 1.0)",
    "cdlm_gamma_05_05": "CDLM (γ1, γ2) = (0.5, 0.5)",
    "cdlm_gamma_09_01": "CDLM (γ1, γ2) = (0.9, 0.1)",
    "cdlm_gamma_10_00": "CDLM (γ1, γ2) = (1.0, 0)",
    "cdlm_pm1": "CDLM-PM1",
    "cdlm_pm2": "CDLM-PM2",
}
ABLATIONS = {  # table -> (rows in the paper's order, the paper's accuracy by task and row)
    "Table 3 (consistency terms)": (
        ["cdlm_no_lc", "cdlm_lct", "cdlm_lcs", "cdlm"],
        {"mnist_usps": [0.635, 0.689, 0.951, 0.961],
         "fashion_fashionm": [0.646, 0.682, 0.912, 0.913]}),
    "Table 6 (γ1, γ2)": (
        ["cdlm_gamma_01_10", "cdlm_gamma_05_05", "cdlm_gamma_09_01", "cdlm", "cdlm_gamma_10_00"],
        {"mnist_usps": [0.320, 0.723, 0.961, 0.961, 0.961],
         "fashion_fashionm": [0.226, 0.513, 0.912, 0.913, 0.913]}),
    "Table 7 (modulation)": (
        ["cdlm_pm1", "cdlm_pm2", "cdlm"],
        {"mnist_usps": [0.950, 0.953, 0.961], "mnist_mnistm": [0.959, 0.967, 0.987],
         "fashion_fashionm": [None, None, None]}),  # the issue asks for it; the paper has none
}
METRICS = {"target_acc": "target acc", "target_acc_feature": "target acc (features)",
           "source_acc": "source acc", "a_distance_raw": "A-dist raw",
           "a_distance_feature": "A-dist features", "ssim_ts": "SSIM x~_ts",
           "psnr_ts": "PSNR x~_ts", "mse_ts": "MSE x~_ts"}
PROTOCOL = ("target acc: the method's target classifier on the target test split (CDLM: the "
            "task classifier on the source-like generation x~_ts = D(γ1 h_t + γ2 ε), one fixed "
            "ε; features: the linear classifier on h_t; baselines: their one classifier). "
            "A-distance: 2(1 − 2ε) of a linear SVM on 2000 test images per domain, fit on one "
            "half and scored on the other, raw pixels and the method's features (CDLM: h). "
            "SSIM / PSNR / MSE: x~_ts against the source test image built from the same base "
            "image, where the domains are paired (MNIST ↔ MNIST-M, Fashion ↔ FashionM). Target "
            "labels are used only here; the checkpoint is the last one")
TSNE_TASKS = ("mnist_usps", "mnistm_mnist")
FIGURE_COUNT = 10
TSNE_COUNT = 500


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--rows", nargs="+", default=list(ROWS), choices=list(ROWS))
    add_preset_table(parser, "uda")
    add_overrides(parser, "override for every run (e.g. data.data_dir=...)")
    parser.add_argument("--device", default=None,
                        help="where the collected runs trained, when that is not this machine "
                             "(e.g. runs trained on a GPU machine, reported here)")
    args = parser.parse_args()
    torch.set_num_threads(1)  # the figures, like every run, on one thread

    jobs = [(task, row, seed) for seed in args.seeds for task in args.tasks for row in args.rows
            if (PRESETS / f"{task}_{row}.yaml").is_file()]
    jobs = [job for job in jobs if not _stale(job, args.runs_dir, args.overrides)]
    if not args.report_only:
        run_all(jobs, lambda job: run_preset(PRESETS / f"{job[0]}_{job[1]}.yaml",
                                             run_dir(args.runs_dir, *job), job[2],
                                             args.overrides), args.parallel)
    runs = [run for run in (_collect(job, args.runs_dir, args.parallel, args.device)
                            for job in jobs) if run is not None]
    collected = {(run["task"], run["row"], run["seed"]) for run in runs}
    runs = _earlier_runs(args.out / "uda.json", collected, args.overrides) + runs
    result = {
        **stamp("uda"),
        "device": "; ".join(sorted({run["device"] for run in runs})),
        "torch": torch.__version__, "checkpoint_rule": "last", "split": "test",
        "presets": "configs/uda/<task>_<row>.yaml", "overrides": args.overrides,
        "protocol": PROTOCOL, "seeds": sorted({run["seed"] for run in runs}),
        "paper": {"table2": {task: numbers for task, (_, numbers) in TASKS.items()},
                  **{table: numbers for table, (_, numbers) in ABLATIONS.items()}},
        "bar": BAR, "runs": runs, "summary": summarize(runs, "task"),
    }
    write_json(args.out / "uda.json", result)
    _a_distance_figure(result["summary"], list(TASKS), args.figures / "uda_a_distance.png")
    for task in args.tasks:
        if (task, "cdlm", 0) not in collected:
            continue
        trained = run_dir(args.runs_dir, task, "cdlm", 0)
        if task in TSNE_TASKS:
            _tsne_figure(trained, args.figures / f"uda_tsne_{task}.png", TASKS[task][0])
        _generations_figure(task, trained, args.figures / f"uda_generations_{task}.png")
    names = ["uda_a_distance.png", *(f"uda_{kind}_{task}.png" for task in TASKS
                                     for kind in ("tsne", "generations"))]
    figures = [os.path.relpath(args.figures / name, args.out) for name in names
               if (args.figures / name).is_file()]
    write_markdown(args.out / "uda.md", _markdown(result, list(TASKS), figures))


def _stale(job: tuple[str, str, int], runs_dir: Path, overrides: list[str]) -> bool:
    """A run folder trained from another version of its preset (or other overrides) is left
    alone: neither resumed, nor skipped as finished, nor collected."""
    task, row, seed = job
    out = run_dir(runs_dir, *job)
    if not stale_run(PRESETS / f"{task}_{row}.yaml", out, seed, overrides):
        return False
    print(f"{task}/{row}/{seed}: {out} was trained from another version of its preset; delete "
          f"it or pass another --runs-dir to run it again", flush=True)
    return True


def _earlier_runs(path: Path, collected: set[tuple[str, str, int]],
                  overrides: list[str]) -> list[dict]:
    """The runs of an earlier uda.json that this call did not collect again, each with the
    device it ran on; a run whose config is not what its preset gives now (with this call's
    overrides) is dropped, so a row never mixes two budgets."""
    if not path.is_file():
        return []
    try:
        earlier = json.loads(path.read_text())
        runs = list(earlier["runs"])
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        print(f"{path}: not a uda.json this script wrote ({error}); its runs are not kept")
        return []
    kept = []
    for run in runs:
        key = (run.get("task"), run.get("row"), run.get("seed"))
        if key in collected:
            continue
        if not isinstance(run.get("config"), dict) or not matches_preset(
                PRESETS / f"{key[0]}_{key[1]}.yaml", key[2], run["config"], overrides):
            print(f"{'/'.join(map(str, key))}: dropped from {path.name}, its preset or the "
                  f"overrides changed since it ran")
            continue
        kept.append({"device": earlier.get("device", "unknown"), **run})
    return kept


def _collect(job: tuple[str, str, int], runs_dir: Path, parallel: int,
             device: str | None) -> dict | None:
    task, row, seed = job
    run = read_run(run_dir(runs_dir, task, row, seed))
    if run is None:
        return None
    train = run["config"]["train"]
    where = [f"train.accelerator={train.get('accelerator', 'cpu')}"]
    if train.get("num_threads"):
        where.append(f"train.num_threads={train['num_threads']}")
    return {"task": task, "row": row, "seed": seed, "data": run["config"]["data"],
            "device": device or describe_device(where, parallel), **run}


def _cell(stats: dict, key: str, digits: int = 3) -> str:
    if key not in stats:
        return "–"
    if stats[key]["n"] < 2:
        return f"{stats[key]['mean']:.{digits}f}"
    return f"{stats[key]['mean']:.{digits}f} ± {stats[key]['std']:.{digits}f}"


def _mean(summary: dict, task: str, row: str) -> float | None:
    stats = summary.get(task, {}).get(row, {}).get("metrics", {})
    return stats["target_acc"]["mean"] if "target_acc" in stats else None


def _markdown(result: dict, tasks: list[str], figures: list[str]) -> str:
    summary = result["summary"]
    lines = [f"# Unsupervised domain adaptation: CDLM, DANN, source/target only ({result['date']})",
             "", f"Device: {result['device']}; torch {result['torch']}. Checkpoint rule: "
             f"{result['checkpoint_rule']}; metrics on the {result['split']} split; mean ± std over "
             f"seeds {result['seeds']} (a bare number: one seed). Presets: `{result['presets']}`"
             + (f"; overrides {result['overrides']}" if result["overrides"] else "") + ".", "",
             f"Protocol: {result['protocol']}.", "", "## Table 2", ""]
    keys = list(METRICS)
    for task in tasks:
        label, paper = TASKS[task]
        rows = summary.get(task, {})
        lines += [f"### {label}", "", "| row | method | strategy | seeds | paper | "
                  + " | ".join(METRICS[k] for k in keys) + " | wall s / run |",
                  "|---|---|---|---|---|" + "---|" * (len(keys) + 1)]
        for row in ("source_only", "dann", "cdlm", "target_only"):
            reference = f"{paper[row]:.3f}"
            if row not in rows:
                lines.append(f"| {ROWS[row]} | – | – | not run | {reference} |"
                             + " – |" * (len(keys) + 1))
                continue
            entry = rows[row]
            wall = f"{entry['run_wall_time_s']:.0f}" if entry["run_wall_time_s"] else "–"
            lines.append(f"| {ROWS[row]} | {entry['method']} | {entry['strategy']} | "
                         f"{len(entry['seeds'])} | {reference} | "
                         + " | ".join(_cell(entry["metrics"], k) for k in keys) + f" | {wall} |")
        lines += ["", *_bar_lines(summary, task), ""]
    for table, (rows_in_order, paper) in ABLATIONS.items():
        lines += [f"## {table}", ""]
        for task, numbers in paper.items():
            if task not in tasks:
                continue
            lines += [f"### {TASKS[task][0]}", "", "| row | seeds | paper | target acc | target acc (features) |",
                      "|---|---|---|---|---|"]
            for row, reference in zip(rows_in_order, numbers):
                entry = summary.get(task, {}).get(row)
                reference = "–" if reference is None else f"{reference:.3f}"
                if entry is None:
                    lines.append(f"| {ROWS[row]} | not run | {reference} | – | – |")
                    continue
                lines.append(f"| {ROWS[row]} | {len(entry['seeds'])} | {reference} | "
                             f"{_cell(entry['metrics'], 'target_acc')} | "
                             f"{_cell(entry['metrics'], 'target_acc_feature')} |")
            lines += ["", _ordering_line(summary, task, rows_in_order, numbers), ""]
    lines += ["## Figures", ""]
    for link in figures:
        lines += [f"![{Path(link).stem}]({link})", ""]
    return "\n".join(lines)


def _bar_lines(summary: dict, task: str) -> list[str]:
    lines = []
    for row, bars in BAR.items():
        if task in bars and (mean := _mean(summary, task, row)) is not None:
            verdict = "meets" if mean >= bars[task] else "does NOT meet"
            lines.append(f"- {ROWS[row]}: {mean:.3f} {verdict} the issue's bar {bars[task]:.3f}.")
    return lines


def _ordering_line(summary: dict, task: str, rows: list[str], paper: list[float]) -> str:
    """Does the measured order of the rows keep every strict order of the paper's numbers?
    (Rows the paper ties may come in any order.)"""
    measured = {row: _mean(summary, task, row) for row in rows}
    if any(mean is None for mean in measured.values()):
        return "- Ordering: not all rows have finished runs."
    ours = " < ".join(sorted(rows, key=measured.get))
    if None in paper:
        return (f"- Ordering (lowest to highest target acc): ours {ours}; the paper reports no "
                "numbers for this task.")
    reference = dict(zip(rows, paper))
    broken = [f"{a} ≥ {b}" for a in rows for b in rows
              if reference[a] < reference[b] and measured[a] >= measured[b]]
    groups = " < ".join(" = ".join(row for row in rows if reference[row] == value)
                        for value in sorted(set(paper)))
    verdict = ("keeps every order" if not broken
               else f"breaks {len(broken)} of its orders ({', '.join(broken)})")
    return (f"- Ordering (lowest to highest target acc): ours {ours}; {verdict} of the paper's "
            f"{groups}.")


def _a_distance_figure(summary: dict, tasks: list[str], path: Path) -> None:
    """Bars per task: raw pixels (from the CDLM run), DANN features, CDLM features (h)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from cyclekit.atomic import atomic_output

    bars = {"raw pixels": ("cdlm", "a_distance_raw"), "DANN features": ("dann", "a_distance_feature"),
            "CDLM features (h)": ("cdlm", "a_distance_feature")}
    shown = [t for t in tasks if any(row in summary.get(t, {}) for row, _ in bars.values())]
    if not shown:
        return
    figure = Figure(figsize=(1.6 + 1.3 * len(shown), 3.2), dpi=90)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    width = 0.8 / len(bars)
    for index, (label, (row, key)) in enumerate(bars.items()):
        values = [summary.get(t, {}).get(row, {}).get("metrics", {}).get(key, {}).get("mean",
                                                                                       float("nan"))
                  for t in shown]
        axes.bar([i + (index - 1) * width for i in range(len(shown))], values, width, label=label)
    axes.set_xticks(range(len(shown)), [TASKS[t][0] for t in shown], fontsize=7)
    axes.set_ylabel("proxy A-distance")
    axes.set_ylim(0, 2.05)
    axes.legend(fontsize=7)
    figure.tight_layout()
    with atomic_output(path) as tmp:
        figure.savefig(tmp, format="png")


def _has_weights(trained: Path) -> bool:
    """Finished and with its checkpoints (runs collected from another machine may lack them)."""
    return (trained / "metrics.json").is_file() and (trained / "checkpoints").is_dir()


def _tsne_figure(trained: Path, path: Path, title: str) -> None:
    """h_s / h_t and z_st / z_ts of a CDLM run (seed 0) on test images (Fig. 7)."""
    if not _has_weights(trained):
        return
    from cyclekit.adaptation.cdlm_evaluation import codes
    from cyclekit.engine.loading import load_trained_method
    from cyclekit.viz.tsne import save_domain_tsne

    config, method = load_trained_method(trained)
    pair = method.load_data(config)
    found = codes(method, pair.x.test.images[:TSNE_COUNT], pair.y.test.images[:TSNE_COUNT], "cpu")
    save_domain_tsne({"h_s (blue) / h_t (red)": (found["h_s"], found["h_t"]),
                      "z_st (blue) / z_ts (red)": (found["z_st"], found["z_ts"])}, path,
                     title=f"CDLM, {title}")


def _generations_figure(task: str, trained: Path, path: Path) -> None:
    """Target test images over x~_ts of a CDLM run (seed 0) (Fig. 5)."""
    if not _has_weights(trained):
        return
    from cyclekit.adaptation.cdlm_evaluation import source_like
    from cyclekit.engine.loading import load_trained_method
    from cyclekit.viz.grid import save_image_grid

    config, method = load_trained_method(trained)
    target = method.load_data(config).y.test.images[:FIGURE_COUNT]
    save_image_grid([target, source_like(method, target, "cpu")], path,
                    row_labels=[f"{TASKS[task][0]}: target", "x~_ts (source-like)"], max_colors=256)


if __name__ == "__main__":
    main()
