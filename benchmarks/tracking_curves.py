"""CycleTrack and CycleTrack-EM along training: every kept checkpoint of each seed scored
one-pass on the real sequences and on the held-out synthetic clips, to see when (and whether)
the seed's ordering CycleTrack-EM > CycleTrack > untrained holds.

    python -m benchmarks tracking_curves [--data DIR] [--seeds 0 1 2] [--every 250]
        [--parallel 2] [--train-runs runs/benchmarks/tracking_curves] [--no-train]

The runs are the shipped presets ``configs/tracking/cycletrack{,_em}.yaml`` with one change:
a checkpoint every ``--every`` steps, all kept (``train.checkpoint_every``,
``train.keep_checkpoints``); the weights a run passes through are the same, so the last
point is the run the preset gives. Step 0 is the untrained network each seed starts from.
This is a report of the whole path, not a selection: the checkpoint rule of every preset
stays "last". Real sequences are scored under ``--protocol`` (pysot OTB rules), the synthetic
clips (16 held-out clips of 60 frames from BSDS500 *test* photos, exact boxes) the same way;
``val/cycle_box`` is the label-free validation loss the run logged at that step. At
``--tre-steps`` the trackers are also scored by TRE (20 starts per sequence, cached beside
their boxes), which is far less sensitive to single tracking failures. Trackers run with one
torch thread. Writes ``benchmarks/results/tracking_curves.{json,md}`` and
``docs/figures/tracking_curves.png``.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from benchmarks.arguments import RUNS, add_parallel, study_parser
from benchmarks.results_table import cpu_name, save_figure, stamp, write_result
from benchmarks.tracking_results import (
    CYCLETRACK,
    OTB,
    REPO,
    add_common_arguments,
    score_tracker,
    train_cycletrack,
    tre_summary,
    untrained_factory,
)
from cyclekit.config import load_config
from cyclekit.engine.checkpoint import step_checkpoints
from cyclekit.engine.loading import load_trained_method
from cyclekit.tracking.cycletrack_evaluation import evaluate_clips, load_tracking_data
from cyclekit.tracking.sequences.discover import discover_sequences


def checkpoint_factory(run_dir: Path, checkpoint: Path):
    """One-pass trackers around the weights of ``checkpoint`` of ``run_dir``."""
    _, method = load_trained_method(run_dir, "cpu", checkpoint=checkpoint)
    return method.online_tracker


def logged_validation(run_dir: Path) -> dict[int, float]:
    """``val/cycle_box`` per step from the run's metrics log."""
    values = {}
    for line in (run_dir / "metrics.jsonl").read_text().splitlines():
        record = json.loads(line)
        if "val/cycle_box" in record:
            values[int(record["step"])] = float(record["val/cycle_box"])
    return values


def score_run(preset: str, seed: int, run_dir: Path, sequences, clips, protocol: str,
              boxes_root: Path, tre_steps: tuple[int, ...] = ()) -> list[dict]:
    """One point per checkpoint (step 0: the untrained network of ``seed``); at ``tre_steps``
    also TRE (20 starts per sequence)."""
    validation = logged_validation(run_dir)
    points = [(0, untrained_factory(seed), boxes_root / f"untrained_seed{seed}")]
    for checkpoint in step_checkpoints(run_dir / "checkpoints"):
        step = int(checkpoint.name.split("_")[1])
        points.append((step, checkpoint_factory(run_dir, checkpoint),
                       boxes_root / f"{preset}_seed{seed}" / checkpoint.name))
    scored = []
    for step, factory, out in points:
        run = score_tracker(factory, sequences, protocol, out, None, step in tre_steps)
        real = run["report"]
        synthetic = evaluate_clips(factory, clips, protocol)
        tre = tre_summary(run["tre"]) if "tre" in run else None
        scored.append({
            "step": step,
            "auc_otb5": statistics.mean(real["sequences"][s]["auc"] for s in OTB),
            "auc_all": real["mean"]["auc"],
            "auc": {name: row["auc"] for name, row in real["sequences"].items()},
            "synthetic_auc": synthetic["test/synthetic_auc"],
            "val_cycle_box": validation.get(step),
            "tre_auc_otb5": tre["mean_otb5_auc"] if tre else None,
            "tre_auc_all": tre["mean_auc"] if tre else None,
        })
        print(f"{preset} seed {seed} step {step}: OTB-5 AUC {scored[-1]['auc_otb5']:.3f}, "
              f"synthetic {scored[-1]['synthetic_auc']:.3f}", flush=True)
    return scored


def aggregate(runs: dict[int, list[dict]]) -> list[dict]:
    """Mean and std over seeds at each step every seed reached."""
    steps = sorted(set.intersection(*({p["step"] for p in points} for points in runs.values())))
    rows = []
    for step in steps:
        at = [next(p for p in points if p["step"] == step) for points in runs.values()]
        row = {"step": step, "seeds": len(at)}
        for key in ("auc_otb5", "auc_all", "synthetic_auc", "val_cycle_box", "tre_auc_otb5",
                    "tre_auc_all"):
            values = [p[key] for p in at if p.get(key) is not None]
            row[key] = statistics.mean(values) if values else None
            row[f"{key}_std"] = statistics.pstdev(values) if len(values) > 1 else None
        rows.append(row)
    return rows


def main() -> None:
    parser = study_parser(__doc__)
    add_common_arguments(parser)
    parser.add_argument("--every", type=int, default=250, help="steps between checkpoints")
    parser.add_argument("--train-runs", type=Path, default=RUNS / "tracking_curves")
    parser.add_argument("--boxes", type=Path, default=REPO / "runs" / "tracking_curves",
                        help="where tracker boxes are written (ignored by git)")
    parser.add_argument("--no-train", action="store_true",
                        help="score only the runs (and checkpoints) that exist")
    add_parallel(parser, None)
    parser.add_argument("--tre-steps", type=int, nargs="*", default=[0, 500, 1500],
                        help="steps also scored by TRE (20 starts per sequence; ~2.5 min a "
                             "tracker on one thread)")
    args = parser.parse_args()
    if args.every < 1 or args.parallel < 1:
        parser.error("--every and --parallel must be at least 1")
    torch.set_num_threads(1)
    started = time.perf_counter()
    presets = {name: load_config(REPO / "configs" / "tracking" / f"{preset}.yaml",
                                 [f"data.data_dir={args.data}"])
               for name, preset in CYCLETRACK.items()}
    steps = {config.train.steps for config in presets.values()}
    overrides = (f"train.checkpoint_every={args.every}",
                 f"train.keep_checkpoints={max(steps) // args.every + 1}")
    if not args.no_train:
        train_cycletrack(args.train_runs, args.seeds, args.data, args.parallel, overrides)
    scoring_started = time.perf_counter()
    sequences = discover_sequences(args.data / "tracking")
    clips = load_tracking_data(next(iter(presets.values()))).test_clips
    methods = {}
    for name, preset in CYCLETRACK.items():
        runs = {}
        for seed in args.seeds:
            run_dir = args.train_runs / f"{preset}_seed{seed}"
            if (run_dir / "metrics.json").is_file():
                runs[seed] = score_run(preset, seed, run_dir, sequences, clips, args.protocol,
                                       args.boxes, tuple(args.tre_steps))
        if runs:
            methods[name] = {"preset": f"configs/tracking/{preset}.yaml", "per_seed": runs,
                             "curve": aggregate(runs)}
    if not methods:
        parser.error(f"no finished run under '{args.train_runs}'; train first (drop --no-train)")
    result = {
        **stamp("tracking_curves"), "device": f"cpu ({cpu_name()}, 1 torch thread)",
        "torch": torch.__version__, "protocol": args.protocol, "seeds": args.seeds,
        "overrides": list(overrides), "tre_steps": args.tre_steps, "checkpoint_rule": "last (every checkpoint shown; none selected)",
        "data": {"real": [s.name for s in sequences],
                 "synthetic": f"{len(clips)} held-out clips of {len(clips[0][1])} frames"},
        "methods": methods, "wall_time_s": time.perf_counter() - started,
        "scoring_wall_time_s": time.perf_counter() - scoring_started,
    }
    figure = _figure(methods, REPO / "docs" / "figures" / "tracking_curves.png")
    result["figure"] = str(figure.relative_to(REPO))
    write_result(args.out, "tracking_curves", result, _markdown(result))


def _cell(row: dict, key: str) -> str:
    if row[key] is None:
        return "–"
    std = row[f"{key}_std"]
    return f"{row[key]:.3f}" + ("" if std is None else f" ± {std:.3f}")


def _markdown(result: dict) -> str:
    lines = [f"# CycleTrack along training ({result['date']})", "",
             (f"Presets with {', '.join(result['overrides'])}; seeds "
              f"{', '.join(map(str, result['seeds']))}; protocol `{result['protocol']}`; "
              f"device {result['device']}, torch {result['torch']}. Checkpoint rule: "
              f"{result['checkpoint_rule']}. Step 0 is the untrained network of each seed. "
              "Mean ± std over seeds. Real: success AUC averaged over the five OTB sequences "
              "(OTB-5) and over all six; synthetic: "
              f"{result['data']['synthetic']} (exact boxes); val/cycle_box: the label-free "
              "validation loss the run logged; TRE: 20 starts per sequence, frames pooled "
              "(OTB's temporal robustness), at steps "
              f"{', '.join(map(str, result['tre_steps']))}."),
             (f"Total wall time {result['wall_time_s']:.0f} s (scoring "
              f"{result['scoring_wall_time_s']:.0f} s)."), "",
             ("| method | step | seeds | AUC OTB-5 | AUC all six | TRE AUC OTB-5 | TRE AUC all six "
              "| AUC synthetic | val/cycle_box |"),
             "|---|---|---|---|---|---|---|---|---|"]
    for name, method in result["methods"].items():
        for row in method["curve"]:
            lines.append(f"| {name} | {row['step']} | {row['seeds']} | {_cell(row, 'auc_otb5')} "
                         f"| {_cell(row, 'auc_all')} | {_cell(row, 'tre_auc_otb5')} "
                         f"| {_cell(row, 'tre_auc_all')} | {_cell(row, 'synthetic_auc')} "
                         f"| {_cell(row, 'val_cycle_box')} |")
    for name, method in result["methods"].items():
        steps = [row["step"] for row in method["curve"]]
        lines += ["", f"## {name} per seed (AUC OTB-5)", "",
                  "| seed | " + " | ".join(f"step {s}" for s in steps) + " |",
                  "|---|" + "---|" * len(steps)]
        for seed, points in method["per_seed"].items():
            at = {p["step"]: p["auc_otb5"] for p in points}
            lines.append(f"| {seed} | " + " | ".join(f"{at[s]:.3f}" for s in steps) + " |")
        tre_steps = [row["step"] for row in method["curve"] if row.get("tre_auc_otb5") is not None]
        if tre_steps:
            lines += ["", f"## {name} per seed (TRE AUC OTB-5)", "",
                      "| seed | " + " | ".join(f"step {s}" for s in tre_steps) + " |",
                      "|---|" + "---|" * len(tre_steps)]
            for seed, points in method["per_seed"].items():
                at = {p["step"]: p.get("tre_auc_otb5") for p in points}
                lines.append(f"| {seed} | " + " | ".join(
                    "–" if at.get(s) is None else f"{at[s]:.3f}" for s in tre_steps) + " |")
    lines += ["", f"Figure: `{result['figure']}`."]
    return "\n".join(lines) + "\n"


def _figure(methods: dict, path: Path) -> Path:
    figure = Figure(figsize=(9, 3.4))
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, 2)
    for name, method in methods.items():
        steps = [row["step"] for row in method["curve"]]
        for axis, key in zip(axes, ("auc_otb5", "synthetic_auc")):
            mean = [row[key] for row in method["curve"]]
            std = [row[f"{key}_std"] or 0.0 for row in method["curve"]]
            axis.plot(steps, mean, marker="o", label=name)
            axis.fill_between(steps, [m - s for m, s in zip(mean, std)],
                              [m + s for m, s in zip(mean, std)], alpha=0.2)
    axes[0].set_title("OTB-5 success AUC (pysot rules)")
    axes[1].set_title("held-out synthetic clips, success AUC")
    for axis in axes:
        axis.set_xlabel("training step")
        axis.grid(alpha=0.3)
    axes[0].legend()
    figure.tight_layout()
    return save_figure(figure, path, dpi=110)


if __name__ == "__main__":
    main()
