"""DIRT-T refinement of finished adaptation runs (issue 4, beyond Hou et al.): how much target
accuracy does refining each Table 2 run on its unlabelled target images add, and at what cost?

    python -m benchmarks uda_refinement [--tasks mnist_usps ...] [--teachers cdlm dann ...]
        [--seeds 0 1 2] [--parallel 2] [--runs-dir runs/benchmarks/uda_refinement]
        [--set key=value ...] [--report-only]

Each teacher is a finished, checkpointed run of ``uda_results.py`` (the folders the analyses of
docs/uda.md trained; a seed is taken from the first folder that has it). ``cyclekit refine``
refines it (one subprocess per run, ``--parallel`` at a time, with the teacher's threads, the
refinement's settings as shipped unless ``--set`` changes them) into
``<runs-dir>/<teacher>/<task>/dirt_t/seed<k>``, a layout ``uda_model_selection.py --candidate``
reads. A finished refinement is not run again and a stopped one is resumed. Checkpoint rule
"last" for teacher and refinement; target labels are read only by the final scores. Writes
``uda_refinement.{json,md,png}``: per run the teacher's and the refined target accuracy, and the
wall time of both, whose sum is what the issue's 15-minute budget per task run covers.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import torch

from benchmarks.arguments import (
    RESULTS,
    RUNS,
    add_overrides,
    add_parallel,
    add_seeds,
    study_parser,
)
from benchmarks.launch import run_all, run_resumable
from benchmarks.preset_runs import describe_device, read_run
from benchmarks.results_table import save_figure, table, utc_now, write_result
from benchmarks.uda_model_selection import finished_run
from benchmarks.uda_results import TASKS

# Teacher -> (label, row, run folders under runs/benchmarks that hold its seeds).
TEACHERS = {
    "cdlm": ("CDLM (shipped preset)", "cdlm", ["uda", "uda_shipped_rerun"]),
    "cdlm_entropy_0.1": ("CDLM + entropy 0.1", "cdlm",
                         ["uda_target_entropy_0.1", "uda_target_entropy_0.1_cpu"]),
    "cdlm_vada_radius_1": ("CDLM + entropy + VAT, radius 1", "cdlm",
                           ["uda_target_vada_radius_1"]),
    "cdlm_vada_balance": ("CDLM + entropy + VAT, radius 1 + class balance", "cdlm",
                          ["uda_target_vada_balance"]),
    "dann": ("DANN (shipped preset)", "dann", ["uda"]),
    "cdlm_augment_labelled": ("CDLM + labelled-domain augmentation", "cdlm",
                              ["uda_augment_labelled"]),
    "dann_augment_labelled": ("DANN + labelled-domain augmentation", "dann",
                              ["uda_augment_labelled"]),
    "dann_fp32": ("DANN (shipped preset, fp32)", "dann", ["uda_dann_fp32"]),
    "dann_vada_radius_1": ("DANN + entropy + VAT, radius 1 (VADA's target terms)", "dann",
                           ["uda_dann_vada_radius_1"]),
    "dann_vada_augment_labelled": ("DANN + labelled-domain augmentation + entropy + VAT, radius 1",
                                   "dann", ["uda_dann_vada_augment_labelled"]),
    "cdlm_vada_augment_labelled": ("CDLM + labelled-domain augmentation + entropy + VAT, radius 1",
                                   "cdlm", ["uda_cdlm_vada_augment_labelled"]),
}
BUDGET_S = 15 * 60


def refined_dir(runs_dir: Path, teacher: str, task: str, seed: int) -> Path:
    return runs_dir / teacher / task / "dirt_t" / f"seed{seed}"


def _wall(run: dict) -> float:
    """A run's wall time: its benchmark's measurement (process start to exit) where there is
    one, else the training time its metrics record."""
    return run["run_wall_time_s"] or run["metrics"]["train/wall_time_s"]


def collect(teacher: str, task: str, seed: int, runs_dir: Path, runs_root: Path) -> dict | None:
    label, row, folders = TEACHERS[teacher]
    teacher_run = finished_run(runs_root, folders, task, row, seed)
    refined = read_run(refined_dir(runs_dir, teacher, task, seed))
    if teacher_run is None or refined is None:
        return None
    parent = read_run(teacher_run)
    return {"task": task, "teacher": teacher, "teacher_label": label, "seed": seed,
            "teacher_folder": str(teacher_run.relative_to(runs_root)),
            "teacher_target_acc": parent["metrics"]["target_acc"],
            "teacher_target_acc_feature": parent["metrics"]["target_acc_feature"],
            "teacher_wall_s": _wall(parent),
            "refined_target_acc": refined["metrics"]["target_acc"],
            "refined_target_acc_feature": refined["metrics"]["target_acc_feature"],
            "refined_source_acc": refined["metrics"]["source_acc"],
            "refined_wall_s": _wall(refined),
            "refined_train_s": refined["metrics"]["train/wall_time_s"],
            "refinement": {key: refined["config"][key] for key in ("model", "train")}}


def refinement_threads(runs: list[dict]) -> str:
    """The refinements' ``train.num_threads`` as an override (copied from their teachers, so
    the benchmark's own ``--set`` need not name it); several values are joined by "/"."""
    threads = sorted({run["refinement"]["train"]["num_threads"] or 1 for run in runs})
    return "train.num_threads=" + "/".join(map(str, threads))


def summarize(runs: list[dict]) -> dict:
    """Per task and teacher: mean, std and the seeds of both accuracies and the wall times."""
    def stats(values):
        return {"mean": statistics.fmean(values),
                "std": statistics.stdev(values) if len(values) > 1 else 0.0, "n": len(values)}

    summary: dict = {}
    for run in runs:
        summary.setdefault(run["task"], {}).setdefault(run["teacher"], []).append(run)
    for teachers in summary.values():
        for teacher, chosen in teachers.items():
            keys = ("teacher_target_acc", "refined_target_acc", "refined_target_acc_feature",
                    "teacher_wall_s", "refined_wall_s")
            teachers[teacher] = {
                "seeds": [run["seed"] for run in chosen],
                **{key: stats([run[key] for run in chosen]) for key in keys},
                "gain": stats([run["refined_target_acc"] - run["teacher_target_acc"]
                               for run in chosen]),
                "total_wall_s": stats([run["teacher_wall_s"] + run["refined_wall_s"]
                                       for run in chosen])}
    return summary


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--tasks", nargs="+", default=["mnist_usps", "usps_mnist",
                                                       "mnist_mnistm", "fashion_fashionm"],
                        choices=list(TASKS))
    parser.add_argument("--teachers", nargs="+", default=list(TEACHERS), choices=list(TEACHERS))
    add_seeds(parser)
    add_parallel(parser, "runs at a time (each with its teacher's train.num_threads)")
    parser.add_argument("--runs-dir", type=Path, default=RUNS / "uda_refinement")
    parser.add_argument("--runs-root", type=Path, default=RUNS,
                        help="the folder that holds the teachers' run folders")
    parser.add_argument("--out", type=Path, default=RESULTS)
    add_overrides(parser, "override a refinement setting (repeatable)")
    parser.add_argument("--report-only", action="store_true",
                        help="collect finished refinements, train none")
    args = parser.parse_args()
    jobs = [(teacher, task, seed) for task in args.tasks for teacher in args.teachers
            for seed in args.seeds]
    if not args.report_only:
        pending = []
        for teacher, task, seed in jobs:
            _, row, folders = TEACHERS[teacher]
            teacher_run = finished_run(args.runs_root, folders, task, row, seed)
            if teacher_run is not None:
                pending.append((teacher_run, refined_dir(args.runs_dir, teacher, task, seed)))
        run_all(pending, lambda job: run_resumable(["refine", str(job[0])], job[1],
                                                   args.overrides), args.parallel)
    runs = [run for job in jobs
            if (run := collect(*job, args.runs_dir, args.runs_root)) is not None]
    if not runs:
        raise SystemExit(f"no finished refinements under {args.runs_dir}; run without "
                         "--report-only first (the teachers come from `python -m benchmarks "
                         "uda_results`)")
    result = {"benchmark": "uda_refinement", "method": "dirt_t", "strategy": "alternating",
              "date": utc_now(),
              "device": describe_device([refinement_threads(runs), *args.overrides], args.parallel),
              "torch": torch.__version__, "checkpoint_rule": "last", "overrides": args.overrides,
              "protocol": ("target accuracy of the method's target classifier (CDLM: C(x~_ts); "
                           "features: the linear classifier on h_t) on the target test split, "
                           "teacher and refined run; the refinement reads target training "
                           "images without labels"),
              "budget_s": BUDGET_S, "runs": runs, "tasks": summarize(runs)}
    _write(result, args.out)


def _write(result: dict, out: Path) -> None:
    write_result(out, "uda_refinement", result, markdown(result))
    _figure(result, out / "uda_refinement.png")


def _figure(result: dict, path: Path) -> None:
    """One panel per task: every run's target accuracy before and after refinement."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = list(result["tasks"])
    teachers = list(dict.fromkeys(run["teacher"] for run in result["runs"]))
    colours = {name: plt.cm.tab10(k % 10) for k, name in enumerate(teachers)}
    figure, axes = plt.subplots(1, len(tasks), squeeze=False, figsize=(3.2 * len(tasks), 3.0))
    for axis, task in zip(axes[0], tasks):
        for run in result["runs"]:
            if run["task"] == task:
                axis.plot([0, 1], [run["teacher_target_acc"], run["refined_target_acc"]],
                          marker="o", markersize=3, color=colours[run["teacher"]], linewidth=1)
        bar = TASKS[task][1]["cdlm"]
        axis.axhline(bar, color="grey", linestyle="--", linewidth=0.8)
        axis.set_xticks([0, 1], ["teacher", "refined"], fontsize=7)
        axis.set_title(f"{TASKS[task][0]} (dashed: paper's CDLM)", fontsize=8)
        axis.set_ylabel("target test accuracy", fontsize=7)
        axis.tick_params(labelsize=7)
    figure.legend(handles=[plt.Line2D([], [], color=colours[name],
                                      label=TEACHERS[name][0]) for name in teachers],
                  loc="lower center", ncol=min(4, len(teachers)), fontsize=7, frameon=False)
    figure.tight_layout(rect=(0, 0.1, 1, 1))
    save_figure(figure, path, dpi=80)


def _cell(stats: dict) -> str:
    return f"{stats['mean']:.3f} ± {stats['std']:.3f}" if stats["n"] > 1 else f"{stats['mean']:.3f}"


def markdown(result: dict) -> str:
    settings = result["runs"][0]["refinement"]
    lines = [f"# DIRT-T refinement of finished adaptation runs ({result['date']})", "",
             (f"Method {result['method']} ({result['strategy']}), `cyclekit refine` with model "
              f"{json.dumps(settings['model'] | {'teacher': '<run>'})}, {settings['train']['steps']} "
              f"steps, Adam lr {settings['train']['lr']}, batch {settings['train']['batch_size']}"
              f"{', overrides ' + str(result['overrides']) if result['overrides'] else ''}. "
              f"Device: {result['device']}; torch {result['torch']}. Checkpoint rule "
              f"{result['checkpoint_rule']} for teacher and refinement. Protocol: "
              f"{result['protocol']}. Wall: process start to exit where measured, teacher + "
              f"refinement against the issue's {result['budget_s'] // 60} minutes per task run."),
             "", ("| task | teacher | seeds | teacher acc | refined acc | gain | refined features "
             "| paper's CDLM | teacher wall s | refinement wall s | total s |"),
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for task, teachers in result["tasks"].items():
        for teacher, row in teachers.items():
            lines.append(
                f"| {TASKS[task][0]} | {TEACHERS[teacher][0]} | "
                f"{', '.join(map(str, row['seeds']))} | {_cell(row['teacher_target_acc'])} | "
                f"{_cell(row['refined_target_acc'])} | {row['gain']['mean']:+.3f} | "
                f"{_cell(row['refined_target_acc_feature'])} | {TASKS[task][1]['cdlm']:.3f} | "
                f"{row['teacher_wall_s']['mean']:.0f} | {row['refined_wall_s']['mean']:.0f} | "
                f"{row['total_wall_s']['mean']:.0f} |")
    accuracies = ("teacher_target_acc", "refined_target_acc", "refined_target_acc_feature",
                  "refined_source_acc")
    lines += ["", "Per run:", "", *table(
        ["task", "teacher", "seed", "teacher run", "teacher acc", "refined acc",
         "refined features", "refined source acc"],
        ([TASKS[run["task"]][0], TEACHERS[run["teacher"]][0], run["seed"],
          f"`{run['teacher_folder']}`", *(f"{run[key]:.3f}" for key in accuracies)]
         for run in result["runs"]))]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
