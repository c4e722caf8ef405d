"""The unpaired-translation table of issue 3: CycleGAN vs CycleGN, ablations, strategy swaps.

    python -m benchmarks translation_results [--datasets facades mnist_usps] [--rows ...]
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

import json
import os
from pathlib import Path

import torch

from benchmarks import ROOT
from benchmarks.arguments import add_overrides, add_preset_table, study_parser
from benchmarks.launch import run_all, run_preset
from benchmarks.preset_runs import describe_device, read_run, run_dir, summarize
from benchmarks.results_table import stamp, write_markdown, write_result

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
    parser = study_parser(__doc__)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--rows", nargs="+", default=list(ROWS), choices=list(ROWS))
    add_preset_table(parser, "translation")
    parser.add_argument("--rerender", action="store_true",
                        help="only rewrite translation.md from the saved translation.json")
    add_overrides(parser, "override for every run (e.g. data.data_dir=...)")
    args = parser.parse_args()
    if args.rerender:
        result = json.loads((args.out / "translation.json").read_text())
        write_markdown(args.out / "translation.md", _markdown(result, list(result["datasets"])))
        return
    jobs = [(dataset, row, seed) for dataset in args.datasets for row in args.rows
            for seed in args.seeds]
    if not args.report_only:
        run_all(jobs, lambda job: _train_and_strip(job, args), args.parallel)
    runs = [run for run in (_collect(job, args.runs_dir) for job in jobs) if run is not None]
    result = {
        **stamp("translation"),
        "device": describe_device(args.overrides, args.parallel),
        "torch": torch.__version__, "checkpoint_rule": "last", "split": "test",
        "presets": "configs/translation/<dataset>_<row>.yaml", "overrides": args.overrides,
        "datasets": {name: {k: v for k, v in DATASETS[name].items() if k in ("data", "protocol")}
                     for name in args.datasets},
        "figures": os.path.relpath(args.figures, args.out),  # for the Markdown's links
        "runs": runs, "summary": summarize(runs, "dataset"),
    }
    write_result(args.out, "translation", result, _markdown(result, args.datasets))
    for dataset in args.datasets:
        _figure(dataset, args.rows, args.runs_dir, args.figures / f"translation_{dataset}.png")


def _collect(job: tuple[str, str, int], runs_dir: Path) -> dict | None:
    dataset, row, seed = job
    run = read_run(run_dir(runs_dir, dataset, row, seed))
    return None if run is None else {"dataset": dataset, "row": row, "seed": seed, **run}


def _cell(stats: dict, key: str) -> str:
    if key not in stats:
        return "–"
    if stats[key]["n"] < 2:
        return f"{stats[key]['mean']:.3f}"
    return f"{stats[key]['mean']:.3f} ± {stats[key]['std']:.3f}"


def _markdown(result: dict, datasets: list[str]) -> str:
    lines = [(f"# Unpaired translation: CycleGAN vs CycleGN, ablations, strategy swaps "
              f"({result['date']})"), "",
             f"Device: {result['device']}; torch {result['torch']}. Checkpoint rule: "
             f"{result['checkpoint_rule']}; metrics on the {result['split']} split; mean ± std "
             f"over seeds (a bare number: one seed). Presets: `{result['presets']}`"
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
                  (f"![translations]({result.get('figures', '../../docs/figures')}"
                   f"/translation_{dataset}.png)"), ""]
    return "\n".join(lines)


def _checks(dataset: str, rows: dict) -> list[str]:
    """The issue's bar, stated against what was measured."""
    headline = DATASETS[dataset]["headline"]

    def stats(row: str) -> dict | None:
        return rows.get(row, {}).get("metrics", {}).get(headline)

    lines = []
    gan, gn = stats("cyclegan"), stats("cyclegn")
    if gan is not None and gn is not None:
        verdict = "within" if abs(gan["mean"] - gn["mean"]) <= 0.03 else "NOT within"
        single = "; one seed" if min(gan["n"], gn["n"]) < 2 else ""
        lines.append(f"- CycleGN vs CycleGAN on `{headline}`: {gn['mean']:.3f} vs "
                     f"{gan['mean']:.3f} (difference {gn['mean'] - gan['mean']:+.3f}, "
                     f"{verdict} 0.03{single}).")
    for row, what in (("cyclegn_joint", "removing D_sim (cycle alone)"),
                      ("gan_only", "removing D_cyc (GAN alone)"),
                      ("gan_forward_cycle", "keeping only the forward cycle"),
                      ("gan_backward_cycle", "keeping only the backward cycle")):
        ablated = stats(row)
        if gan is not None and ablated is not None:
            lines.append(f"- Ablation, {what}: {ablated['mean']:.3f} vs full CycleGAN "
                         f"{gan['mean']:.3f} ({_effect(ablated, gan)}).")
    return lines


def _effect(ablated: dict, full: dict) -> str:
    """A gap counts only when it is larger than the seed spread of either row."""
    gap, spread = ablated["mean"] - full["mean"], max(ablated["std"], full["std"])
    if min(ablated["n"], full["n"]) < 2:
        return f"{'hurts' if gap < 0 else 'helps'} by {abs(gap):.3f}; one seed, so no spread to judge it by"
    if abs(gap) <= spread:
        return f"no clear effect: the gap {gap:+.3f} is within one seed std ({spread:.3f})"
    return f"{'hurts' if gap < 0 else 'helps'} by {abs(gap):.3f}, more than one seed std"


FIGURE_COUNT = 8
STRIP = "figure_strip.pt"  # in a seed-0 run: its f(x) on the first test inputs, with x and y


def _train_and_strip(job: tuple[str, str, int], args) -> str:
    """Train one run; a finished seed-0 run also keeps its row of the figure beside its metrics,
    so the figure can be drawn where the weights are gone (runs collected from another machine)."""
    dataset, row, seed = job
    out = run_dir(args.runs_dir, dataset, row, seed)
    line = run_preset(PRESETS / f"{dataset}_{row}.yaml", out, seed, args.overrides)
    if (seed == 0 and (out / "metrics.json").is_file() and (out / "checkpoints").is_dir()
            and not (out / STRIP).is_file()):
        _save_strip(out)
    return line


def _save_strip(trained: Path) -> None:
    from cyclekit.atomic import atomic_output
    from cyclekit.data.pair import load_pair
    from cyclekit.engine.loading import load_trained_method
    from cyclekit.translation.evaluation import translate

    config, method = load_trained_method(trained)
    pair = load_pair(config.data, seed=config.seed)
    # clones: a slice would drag its whole test set's storage into the file
    x, y = pair.x.test.images[:FIGURE_COUNT].clone(), pair.y.test.images[:FIGURE_COUNT].clone()
    strip = {"x": x, "f_x": translate(method.f, x), "y": y, "x_name": config.data.x,
             "y_name": pair.y.test.name}
    with atomic_output(trained / STRIP) as tmp:
        torch.save(strip, tmp)


def _figure(dataset: str, rows: list[str], runs_dir: Path, path: Path) -> None:
    """Rows: the test inputs x, then f(x) of every row (seed 0), then the target y. Drawn only
    when every row's strip is there, so a partial collection never replaces a full figure."""
    from cyclekit.viz.grid import save_image_grid

    strips = {row: run_dir(runs_dir, dataset, row, 0) / STRIP for row in rows}
    missing = [row for row, strip in strips.items() if not strip.is_file()]
    if missing:
        print(f"figure {path.name} not drawn: no seed-0 strip for {', '.join(missing)}")
        return
    loaded = {row: torch.load(strip, weights_only=True) for row, strip in strips.items()}
    first = next(iter(loaded.values()))
    save_image_grid([first["x"], *(strip["f_x"] for strip in loaded.values()), first["y"]], path,
                    row_labels=[f"x ({first['x_name']})", *loaded, f"y ({first['y_name']})"],
                    max_colors=256)


if __name__ == "__main__":
    main()
