"""The unpaired-translation table of issue 3: CycleGAN vs CycleGN, ablations, strategy swaps.

    python benchmarks/translation_results.py [--datasets facades mnist_usps] [--rows ...]
        [--seeds 0 1 2] [--parallel 2] [--runs-dir runs/benchmarks/translation]
        [--report-only] [--set key=value ...]

Every row is a shipped preset, ``configs/translation/<dataset>_<row>.yaml``, trained with
``cyclekit train`` (one subprocess per run, ``--parallel`` at a time, one thread each) and
evaluated with checkpoint rule "last" on the test split. Runs live in ``--runs-dir``; a
finished run (``metrics.json`` present) is not run again and a stopped one is resumed, so the
table can be built over several sessions. Writes ``benchmarks/results/translation.{json,md}``
and a figure per dataset, ``docs/figures/translation_<dataset>.png``: the same test inputs
translated by every row (seed 0).
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import torch
from preset_runs import describe_device, read_run, run_dir, run_preset, summarize

ROOT = Path(__file__).resolve().parents[1]
PRESETS = ROOT / "configs" / "translation"

ROWS = {  # row id -> label in the table
    "cyclegan": "CycleGAN (GAN + both cycles)",
    "cyclegn": "CycleGN (no GAN)",
    "cyclegan_em": "CycleGAN trained by EM (swap)",
    "cyclegn_joint": "CycleGN trained jointly (swap) = cycle alone",
    "gan_only": "GAN alone",
    "gan_forward_cycle": "GAN + forward cycle",
    "gan_backward_cycle": "GAN + backward cycle",
}

DATASETS = {
    "facades": {
        "data": "CMP facades (pix2pix split: 400 train / 106 test), 64 px RGB; x = label maps, "
                "y = photos",
        "protocol": "FCN scores: a U-Net trained on the real training photos -> CMP classes "
                    "(frozen) segments the generated photos (labels -> photo); generated label "
                    "maps are mapped to classes by nearest palette colour (photo -> labels); "
                    "both compared with the ground-truth class maps of the test split",
        "metrics": {"fcn_label2photo_pixel_acc": "labels→photo per-pixel acc",
                    "fcn_label2photo_class_acc": "per-class acc",
                    "fcn_label2photo_class_iou": "class IoU",
                    "fcn_photo2label_pixel_acc": "photo→labels per-pixel acc",
                    "fcn_photo2label_class_acc": "per-class acc",
                    "fcn_photo2label_class_iou": "class IoU"},
        "upper_bound": ("fcn_real_pixel_acc", "fcn_real_class_acc", "fcn_real_class_iou"),
        "headline": "fcn_label2photo_pixel_acc",
    },
    "mnist_usps": {
        "data": "MNIST (10 000 train images) <-> USPS, 32 px grayscale; x = MNIST, y = USPS",
        "protocol": "translation accuracy: a DigitClassifier trained on the target domain's "
                    "training split labels the translated test images",
        "metrics": {"acc_x2y": "MNIST→USPS acc", "acc_y2x": "USPS→MNIST acc",
                    "cycle_l1_x": "cycle L1 x", "cycle_l1_y": "cycle L1 y"},
        "upper_bound": ("judge_acc_usps", "judge_acc_mnist"),
        "headline": "acc_x2y",
    },
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--rows", nargs="+", default=list(ROWS), choices=list(ROWS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--parallel", type=int, default=2, help="runs at a time (1 thread each)")
    parser.add_argument("--runs-dir", type=Path, default=ROOT / "runs" / "benchmarks" / "translation")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--figures", type=Path, default=ROOT / "docs" / "figures")
    parser.add_argument("--report-only", action="store_true", help="only collect finished runs")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        help="override for every run (e.g. data.data_dir=...)")
    args = parser.parse_args()

    jobs = [(dataset, row, seed) for dataset in args.datasets for row in args.rows
            for seed in args.seeds]
    if not args.report_only:
        with ThreadPoolExecutor(max_workers=args.parallel) as pool:
            for line in pool.map(lambda job: run_preset(
                    PRESETS / f"{job[0]}_{job[1]}.yaml", run_dir(args.runs_dir, *job), job[2],
                    args.overrides), jobs):
                print(line, flush=True)
    runs = [run for run in (_collect(job, args.runs_dir) for job in jobs) if run is not None]
    result = {
        "benchmark": "translation", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "device": describe_device(args.overrides, args.parallel),
        "torch": torch.__version__, "checkpoint_rule": "last", "split": "test",
        "presets": "configs/translation/<dataset>_<row>.yaml", "overrides": args.overrides,
        "datasets": {name: {k: v for k, v in DATASETS[name].items() if k in ("data", "protocol")}
                     for name in args.datasets},
        "runs": runs, "summary": summarize(runs, "dataset"),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    from cyclekit.core.atomic import atomic_write_text

    atomic_write_text(args.out / "translation.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(args.out / "translation.md", _markdown(result, args.datasets))
    for dataset in args.datasets:
        _figure(dataset, args.rows, args.runs_dir, args.figures / f"translation_{dataset}.png")


def _collect(job: tuple[str, str, int], runs_dir: Path) -> dict | None:
    dataset, row, seed = job
    run = read_run(run_dir(runs_dir, dataset, row, seed))
    return None if run is None else {"dataset": dataset, "row": row, "seed": seed, **run}


def _cell(stats: dict, key: str) -> str:
    if key not in stats:
        return "–"
    return f"{stats[key]['mean']:.3f} ± {stats[key]['std']:.3f}"


def _markdown(result: dict, datasets: list[str]) -> str:
    lines = [f"# Unpaired translation: CycleGAN vs CycleGN, ablations, strategy swaps "
             f"({result['date']})", "",
             f"Device: {result['device']}; torch {result['torch']}. Checkpoint rule: "
             f"{result['checkpoint_rule']}; metrics on the {result['split']} split; mean ± std "
             f"over seeds. Presets: `{result['presets']}`"
             + (f"; overrides {result['overrides']}" if result["overrides"] else "") + ".", ""]
    for dataset in datasets:
        spec, rows = DATASETS[dataset], result["summary"].get(dataset, {})
        lines += [f"## {dataset}", "", f"Data: {spec['data']}.", "",
                  f"Protocol: {spec['protocol']}.", ""]
        keys = list(spec["metrics"])
        lines += ["| row | method | strategy | seeds | "
                  + " | ".join(spec["metrics"].values()) + " | train s / run |",
                  "|---|---|---|---|" + "---|" * (len(keys) + 1)]
        for row, label in ROWS.items():
            if row not in rows:
                lines.append(f"| {label} | – | – | not run |" + " – |" * (len(keys) + 1))
                continue
            stats = rows[row]["metrics"]
            wall = stats.get("train/wall_time_s")
            wall_cell = f"{wall['mean']:.0f}" if wall else "–"
            lines.append(f"| {label} | {rows[row]['method']} | {rows[row]['strategy']} | "
                         f"{len(rows[row]['seeds'])} | " + " | ".join(_cell(stats, k) for k in keys)
                         + f" | {wall_cell} |")
        bounds = {key: stats[key]["mean"] for row in rows.values()
                  for key, stats in [(k, row["metrics"]) for k in spec["upper_bound"]]
                  if key in stats}
        if bounds:
            lines += ["", "Evaluator on real test images (upper bound): " + ", ".join(
                f"{key} {value:.3f}" for key, value in bounds.items()) + "."]
        lines += ["", *_checks(dataset, rows), "",
                  f"![translations](../../docs/figures/translation_{dataset}.png)", ""]
    return "\n".join(lines)


def _checks(dataset: str, rows: dict) -> list[str]:
    """The issue's bar, stated against what was measured."""
    headline = DATASETS[dataset]["headline"]

    def mean(row: str) -> float | None:
        stats = rows.get(row, {}).get("metrics", {})
        return stats[headline]["mean"] if headline in stats else None

    lines = []
    gan, gn = mean("cyclegan"), mean("cyclegn")
    if gan is not None and gn is not None:
        verdict = "within" if abs(gan - gn) <= 0.03 else "NOT within"
        lines.append(f"- CycleGN vs CycleGAN on `{headline}`: {gn:.3f} vs {gan:.3f} "
                     f"(difference {gn - gan:+.3f}, {verdict} 0.03).")
    for row, what in (("cyclegn_joint", "removing D_sim (cycle alone)"),
                      ("gan_only", "removing D_cyc (GAN alone)"),
                      ("gan_forward_cycle", "keeping only the forward cycle"),
                      ("gan_backward_cycle", "keeping only the backward cycle")):
        ablated = mean(row)
        if gan is not None and ablated is not None:
            effect = "hurts" if ablated < gan else "does not hurt"
            lines.append(f"- Ablation, {what}: {ablated:.3f} vs full CycleGAN {gan:.3f} "
                         f"({effect}).")
    return lines


def _figure(dataset: str, rows: list[str], runs_dir: Path, path: Path, count: int = 8) -> None:
    """Rows: the test inputs x, then f(x) of every trained row (seed 0), then the target y."""
    from cyclekit.core.trainer import load_trained_method
    from cyclekit.data.pair import load_pair
    from cyclekit.methods.translation_eval import translate
    from cyclekit.viz import save_image_grid

    images, labels, pair = [], [], None
    for row in rows:
        trained = run_dir(runs_dir, dataset, row, 0)
        if not (trained / "metrics.json").is_file() or not (trained / "checkpoints").is_dir():
            continue  # unfinished, or collected from another machine without its weights
        config, method = load_trained_method(trained)
        if pair is None:
            pair = load_pair(config.data, seed=config.seed)
            images.append(pair.x.test.images[:count])
            labels.append(f"x ({config.data.x})")
        images.append(translate(method.f, pair.x.test.images[:count]))
        labels.append(row)
    if pair is not None:
        images.append(pair.y.test.images[:count])
        labels.append(f"y ({pair.y.test.name})")
        save_image_grid(images, path, row_labels=labels)


if __name__ == "__main__":
    main()
