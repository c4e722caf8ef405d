"""Measure ACC (the ACC paper): factor isolation on dSprites and digit style isolation on MNIST.

    python -m benchmarks acc_results [--seeds 0 ... 9] [--mnist-seeds 0 1 2]
        [--settings xy shape_scale ...] [--mnist-settings mnist mnist_augmented]
        [--runs-dir runs/acc_bench] [--set KEY=VALUE]

Every run is a preset from configs/ with another seed, trained in this process on one thread
(checkpoint rule "last"). dSprites: mutual information (bits, sqrt(N)-bin histograms,
Appendix B) between every factor and the 2-D embedding of all 46,080 images, for the trained
network and for the same network at its seeded initialisation ("untrained"), and the accuracy
of a 15-nearest-neighbour probe of every factor (fit on half the images). MNIST: linear
(and 3 x 32 MLP) class probes and linear slant / thickness probes on the 8-D embedding, fit on
10,000 training digits 0-8 and scored on test digits 0-8 and on the held-out test 9s.
Runs are done seed by seed over all settings, and the results are rewritten after every run,
so a benchmark cut short still reports balanced settings. Finished runs (with
benchmark_wall_time.json in their run directory) are read back instead of being trained again,
and the runs of an earlier acc.json that this call does not schedule are kept when their saved
config is still what their preset gives (so ``--settings NEW`` adds rows to the table).
Writes benchmarks/results/acc.{json,md} and docs/figures/acc_*.png.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks import ROOT
from benchmarks.arguments import FIGURES, RESULTS, add_overrides, study_parser
from benchmarks.launch import train_timed
from benchmarks.preset_runs import matches_preset
from benchmarks.results_table import cpu_name, spread, utc_now, write_json, write_result
from cyclekit.config import load_config
from cyclekit.engine.checkpoint import latest_checkpoint, load_checkpoint
from cyclekit.engine.loading import build_method

DSPRITES_FACTORS = ("shape", "scale", "orientation", "pos_x", "pos_y")
# name -> (preset, title); the untrained network is measured inside every run.
DSPRITES_SETTINGS = {
    "no_sets": ("acc_dsprites_no_sets.yaml", "no set supervision"),
    "xy": ("acc_dsprites.yaml", "inactive pos_x, pos_y"),
    "xy_unconstrained": ("acc_dsprites_unconstrained.yaml",
                         "inactive pos_x, pos_y; set B unconstrained"),
    "xy_augmented": ("acc_dsprites_augmented.yaml",
                     "inactive pos_x, pos_y; double augmentation (shift, noise)"),
    "xy_augmented_unconstrained": ("acc_dsprites_augmented_unconstrained.yaml",
                                   ("inactive pos_x, pos_y; double augmentation; set B "
                                    "unconstrained")),
    "xy_standardised": ("acc_dsprites_standardised.yaml",
                        "inactive pos_x, pos_y; double augmentation; standardised embedding"),
    "xy_standardised_unconstrained": ("acc_dsprites_standardised_unconstrained.yaml",
                                      ("inactive pos_x, pos_y; double augmentation; "
                                       "standardised embedding; set B unconstrained")),
    "shape_scale": ("acc_dsprites_shape_scale.yaml", "inactive shape, scale"),
    "shape_scale_unconstrained": ("acc_dsprites_shape_scale_unconstrained.yaml",
                                  "inactive shape, scale; set B unconstrained"),
    "orientation": ("acc_dsprites_orientation.yaml", "inactive orientation"),
    "contrastive": ("acc_dsprites_contrastive.yaml",
                    "contrastive, double augmentation (shift, rotation, noise)"),
}
# name -> (preset, title), digit sets (class inactive), 8-D embedding, 9s held out.
MNIST_SETTINGS = {
    "mnist": ("acc_mnist.yaml", "digit sets"),
    "mnist_augmented": ("acc_mnist_augmented.yaml",
                        "digit sets; double augmentation (shift <= 1 px, noise 0.1); tau 0.5"),
}
MNIST_KEYS = ("class_probe_accuracy", "class_probe_accuracy_mlp", "r2/slant", "r2/thickness",
              "r2/slant_heldout", "r2/thickness_heldout", "r2/slant_heldout_cv",
              "r2/thickness_heldout_cv")


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(10)))
    parser.add_argument("--mnist-seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--settings", nargs="*", default=list(DSPRITES_SETTINGS),
                        choices=list(DSPRITES_SETTINGS))
    parser.add_argument("--mnist-settings", nargs="*", default=list(MNIST_SETTINGS),
                        choices=list(MNIST_SETTINGS))
    parser.add_argument("--runs-dir", type=Path, default=ROOT / "runs" / "acc_bench")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--figures", type=Path, default=FIGURES)
    add_overrides(parser, "override for every dSprites preset, e.g. train.steps=1000")
    add_overrides(parser, "override for the MNIST presets", "--mnist-set", "mnist_overrides")
    parser.add_argument("--mnist-first", action="store_true", help="run the MNIST seeds first")
    args = parser.parse_args()
    os.environ.setdefault("CYCLEKIT_DATA", str(ROOT.parent / "shared" / "data"))

    started = time.perf_counter()

    def record(kind: str, name: str, preset: str, seed: int, overrides: list[str]) -> None:
        runs.append(_run(kind, name, preset, seed, overrides, args.runs_dir))
        _write(args, runs, time.perf_counter() - started)

    jobs = [("dsprites", name, DSPRITES_SETTINGS[name][0], seed, args.overrides)
            for seed in args.seeds for name in args.settings]
    mnist = [("mnist", name, MNIST_SETTINGS[name][0], seed, args.mnist_overrides)
             for seed in args.mnist_seeds for name in args.mnist_settings]
    runs = _earlier_runs(args.results / "acc.json", {(job[1], job[3]) for job in jobs + mnist},
                         {"dsprites": args.overrides, "mnist": args.mnist_overrides})
    for job in (mnist + jobs if args.mnist_first else jobs + mnist):
        record(*job)
    _figures(args, runs)
    _write(args, runs, time.perf_counter() - started)


def _earlier_runs(path: Path, scheduled: set[tuple[str, int]],
                  overrides: dict[str, list[str]]) -> list[dict]:
    """Runs of an earlier result file that this call does not redo and whose config is what
    their preset gives now with this call's overrides; the others are dropped (and said so)."""
    if not path.is_file():
        return []
    kept = []
    for run in json.loads(path.read_text())["runs"]:
        if (run["setting"], run["seed"]) in scheduled:
            continue
        if run["setting"] not in {**DSPRITES_SETTINGS, **MNIST_SETTINGS}:
            continue
        if matches_preset(ROOT / run["preset"], run["seed"], run["config"],
                          overrides[run["kind"]]):
            kept.append(run)
        else:
            print(f"dropping earlier {run['setting']} seed {run['seed']}: its preset changed",
                  flush=True)
    return kept


def _run(kind: str, name: str, preset: str, seed: int, overrides: list[str], runs_dir: Path,
         ) -> dict:
    config = load_config(ROOT / "configs" / preset, [*overrides, f"seed={seed}"])
    run_dir = runs_dir / f"{name}-seed{seed}"
    timing = run_dir / "benchmark_wall_time.json"
    if timing.is_file():
        metrics = json.loads((run_dir / "metrics.json").read_text())
        wall = json.loads(timing.read_text())["run_wall_time_s"]
    else:
        metrics, wall = train_timed(config, run_dir)  # loading, training and evaluation
        write_json(timing, {"run_wall_time_s": wall}, indent=None)
    print(f"{name} seed {seed}: {wall:.1f} s " + ", ".join(
        f"{k.removeprefix('test/')}={v:.3f}" for k, v in metrics.items()
        if k.startswith("test/") and not k.startswith("test/untrained") and isinstance(v, float)),
        flush=True)
    return {"kind": kind, "setting": name, "preset": f"configs/{preset}", "seed": seed,
            "overrides": overrides, "run_dir": str(run_dir), "run_wall_time_s": wall,
            "final_val_loss": _final_val_loss(run_dir),
            "train_wall_time_s": metrics["train/wall_time_s"], "config": config.to_dict(),
            "metrics": {k: v for k, v in metrics.items() if k.startswith("test/")}}


def _final_val_loss(run_dir: Path) -> float | None:
    """The last validation ACC loss the run logged (log n where it never left the plateau)."""
    losses = [json.loads(line).get("val/acc_loss")
              for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line.strip()]
    losses = [loss for loss in losses if loss is not None]
    return losses[-1] if losses else None


def _plateau_table(runs: list[dict]) -> list[str]:
    """Per dSprites setting: how many seeds ended on the loss's log n plateau, where every
    soft nearest neighbour is the set's mean and nothing was learned."""
    lines = ["| setting | seeds | on the log n plateau | final validation loss per seed |",
             "|---|---|---|---|"]
    for setting in dict.fromkeys(r["setting"] for r in runs if r["kind"] == "dsprites"):
        chosen = [r for r in runs if r["setting"] == setting
                  and r.get("final_val_loss") is not None]
        if not chosen:
            continue
        plateau = [r for r in chosen
                   if r["final_val_loss"] >= 0.99 * math.log(r["config"]["data"]["set_size"])]
        losses = ", ".join(f"{r['final_val_loss']:.2f}" for r in sorted(chosen,
                                                                         key=lambda r: r["seed"]))
        lines.append(f"| {DSPRITES_SETTINGS[setting][1]} | {len(chosen)} | {len(plateau)} | "
                     f"{losses} |")
    return lines if len(lines) > 2 else []


def _summary(runs: list[dict]) -> dict:
    summary: dict[str, dict] = {}
    for setting in dict.fromkeys(run["setting"] for run in runs):
        chosen = [run for run in runs if run["setting"] == setting]
        keys = dict.fromkeys(k for run in chosen for k in run["metrics"])
        summary[setting] = {key: spread([run["metrics"][key] for run in chosen
                                         if key in run["metrics"]]) for key in keys}
        summary[setting]["run_wall_time_s"] = spread([run["run_wall_time_s"] for run in chosen])
        summary[setting]["train_wall_time_s"] = spread([run["train_wall_time_s"] for run in chosen])
    return summary


def _write(args, runs: list[dict], elapsed: float) -> None:
    result = {
        "benchmark": "acc", "method": "acc", "strategy": "self_cyclic (half)",
        "date": utc_now(),
        "device": f"cpu ({cpu_name()}), 1 thread per run "
                  f"(train.num_threads=1), 2-core machine shared with other jobs",
        "torch": torch.__version__, "checkpoint_rule": "last",
        "data": {"dsprites": "dsprites_downsampled.npz: the complete grid shape(3) x scale(6) x "
                             "orientation(10) x pos_x(16) x pos_y(16) = 46,080 images, "
                             "average-pooled 64 -> 32 px",
                 "mnist": "MNIST train (digits 0-8 for training and probe fitting, 10,000 "
                          "probe images) / test (10,000: 0-8 seen, 9 held out)"},
        "protocol": {
            "dsprites": "MI in bits between each factor and the 2-D embedding of all 46,080 "
                        "images: equal-width 2-D histogram with round(N^(1/4)) = 15 bins per "
                        "axis (~sqrt(N) bins), same bins for every conditional (Appendix B). "
                        "'untrained' = the same network at its seeded initialisation. kNN: "
                        "accuracy of a 15-nearest-neighbour classifier of each factor from the "
                        "embedding, fit on a random half of the images, scored on the other "
                        "half; chance = 1 / number of values.",
            "mnist": "probes fit on embeddings of 10,000 training digits 0-8, scored on the "
                     "test digits 0-8 (class accuracy; R^2 of slant = -mu11/mu02 and stroke "
                     "thickness = 2 area / perimeter) and on the held-out test 9s (R^2 of the "
                     "same probes; '_cv': linear probes fit within the held-out 9s, 5-fold "
                     "cross-validated).",
        },
        "elapsed_s": elapsed, "runs": runs, "summary": _summary(runs),
    }
    write_result(args.results, "acc", result, _markdown(result))


def _fmt(stats: dict | None) -> str:
    if not stats:
        return "-"
    return f"{stats['mean']:.3f} ± {stats['std']:.3f} (med {stats['median']:.3f})"


def _factor_table(summary: dict, measure: str) -> list[str]:
    """One row per dSprites setting (and the untrained network) of ``test/<measure>/<factor>``."""
    lines = ["| setting | seeds | " + " | ".join(DSPRITES_FACTORS) + " | run wall time (s) |",
             "|---|---|" + "---|" * (len(DSPRITES_FACTORS) + 1)]
    dsprites = [s for s in summary if s in DSPRITES_SETTINGS
                and f"test/{measure}/shape" in summary[s]]
    if dsprites:
        first = summary[dsprites[0]]
        cells = " | ".join(_fmt(first.get(f"test/untrained/{measure}/{f}"))
                           for f in DSPRITES_FACTORS)
        lines.append(f"| untrained ({DSPRITES_SETTINGS[dsprites[0]][1]} runs) | "
                     f"{first[f'test/untrained/{measure}/shape']['n']} | {cells} | - |")
    for setting in dsprites:
        values = summary[setting]
        cells = " | ".join(_fmt(values.get(f"test/{measure}/{f}")) for f in DSPRITES_FACTORS)
        lines.append(f"| {DSPRITES_SETTINGS[setting][1]} | {values[f'test/{measure}/shape']['n']} | "
                     f"{cells} | {_fmt(values['run_wall_time_s'])} |")
    return lines


def _markdown(result: dict) -> str:
    summary = result["summary"]
    header = (f"Method `acc`, strategy {result['strategy']}, checkpoint rule "
              f"\"{result['checkpoint_rule']}\". Device: {result['device']}; torch "
              f"{result['torch']}. Each cell: mean ± std (median) over seeds.")
    lines = [f"# ACC results ({result['date']})", "", header, "",
             "## dSprites factor isolation (MI in bits, 2-D embedding)", "",
             f"Data: {result['data']['dsprites']}.",
             f"Protocol: {result['protocol']['dsprites']}", "",
             *_factor_table(summary, "mi")]
    dsprites = [s for s in summary if s in DSPRITES_SETTINGS]
    if any("test/knn/shape" in summary[s] for s in dsprites):
        lines += ["", "### 15-nearest-neighbour probe accuracy per factor (same runs)", "",
                  *_factor_table(summary, "knn")]
    plateau = _plateau_table(result["runs"])
    if plateau:
        lines += ["", "### Seeds that never left the loss plateau (log n = 3.47 for sets of 32)",
                  "", *plateau]
    if dsprites:
        entropies = ", ".join(f"{f} {summary[dsprites[0]][f'test/entropy/{f}']['mean']:.2f}"
                              for f in DSPRITES_FACTORS)
        lines += ["", f"Upper bounds H(factor) in bits: {entropies}."]
    mnist = [s for s in MNIST_SETTINGS if s in summary]
    if mnist:
        untrained = summary[mnist[0]]
        lines += ["", "## MNIST digit style isolation (8-D embedding, digit 9 held out)", "",
                  f"Data: {result['data']['mnist']}.", f"Protocol: {result['protocol']['mnist']}",
                  "", (f"| measure | untrained ({MNIST_SETTINGS[mnist[0]][1]} runs) | "
                       + " | ".join(MNIST_SETTINGS[s][1] for s in mnist) + " |"),
                  "|---|---|" + "---|" * len(mnist)]
        for key in MNIST_KEYS:
            lines.append(f"| {key} | {_fmt(untrained.get(f'test/untrained/{key}'))} | "
                         + " | ".join(_fmt(summary[s].get(f"test/{key}")) for s in mnist) + " |")
        chance = _fmt(untrained.get("test/class_chance"))
        lines += [f"| chance (majority class, digits 0-8) | {chance} |" + " |" * len(mnist), ""]
        for setting in mnist:
            values = summary[setting]
            seeds = sorted(r["seed"] for r in result["runs"] if r["setting"] == setting)
            lines.append(f"- {MNIST_SETTINGS[setting][1]} (`{MNIST_SETTINGS[setting][0]}`): "
                         f"seeds {seeds}; run wall time (train + eval) "
                         f"{_fmt(values['run_wall_time_s'])} s; training alone "
                         f"{_fmt(values['train_wall_time_s'])} s.")
    total = sum(run["run_wall_time_s"] for run in result["runs"])
    lines += ["", (f"Sum of the run wall times: {total:.0f} s (runs shared a 2-core machine "
                   "with other jobs, so times vary with its load). Figures: "
                   "docs/figures/acc_*.png. Per-run metrics and configs: acc.json."), ""]
    return "\n".join(lines)


def _has_weights(run: dict) -> bool:
    """Is the run's folder here (runs kept from an earlier result file may not be)?"""
    return latest_checkpoint(Path(run["run_dir"]) / "checkpoints") is not None


def _embedder(run: dict):
    """The trained network of a finished run and its data, and the untrained network."""
    from cyclekit.config import build_config

    config = build_config(run["config"])
    method = build_method(config, torch.device("cpu"))
    load_checkpoint(latest_checkpoint(Path(run["run_dir"]) / "checkpoints"), method,
                    fingerprint=config.fingerprint())
    return method, method.load_data(config)


def _figures(args, runs: list[dict]) -> None:
    from cyclekit.affinity.embedding_figures import (
        plot_embedding_by_factor,
        plot_mi_boxes,
    )
    from cyclekit.affinity.evaluation import embed

    torch.set_num_threads(1)
    dsprites = [run for run in runs if run["kind"] == "dsprites"]
    if dsprites:
        first = dsprites[0]["setting"]
        settings = {"untrained": {f: [r["metrics"][f"test/untrained/mi/{f}"] for r in dsprites
                                      if r["setting"] == first] for f in DSPRITES_FACTORS}}
        inactive = {}
        for name in dict.fromkeys(r["setting"] for r in dsprites):
            title = DSPRITES_SETTINGS[name][1]
            settings[title] = {f: [r["metrics"][f"test/mi/{f}"] for r in dsprites
                                   if r["setting"] == name] for f in DSPRITES_FACTORS}
            inactive[title] = next(r["config"]["data"]["inactive"] for r in dsprites
                                   if r["setting"] == name)
        plot_mi_boxes(settings, list(DSPRITES_FACTORS), args.figures / "acc_dsprites_mi.png",
                      inactive=inactive)
        for name in ("xy", "xy_augmented", "xy_standardised", "shape_scale"):
            chosen = [r for r in dsprites if r["setting"] == name and _has_weights(r)]
            if chosen:
                method, data = _embedder(chosen[0])
                panels = {"untrained": embed(method.untrained_embedder(), data.test.images, "cpu"),
                          f"trained ({DSPRITES_SETTINGS[name][1]})":
                              embed(method.embedder, data.test.images, "cpu")}
                plot_embedding_by_factor(panels, data.test.factors.numpy(), DSPRITES_FACTORS,
                                         args.figures / f"acc_dsprites_embedding_{name}.png")
    for name in MNIST_SETTINGS:
        chosen = [run for run in runs if run["setting"] == name and _has_weights(run)]
        if chosen:
            _mnist_figures(chosen[0], args.figures, name)


def _mnist_figures(run: dict, figures: Path, name: str) -> None:
    """PCA of the test embeddings coloured by digit, slant and thickness, and a retrieval grid
    (a query of every digit and its nearest neighbour in every class)."""
    from cyclekit.affinity.embedding_figures import (
        plot_embedding_by_factor,
        save_retrieval_grid,
    )
    from cyclekit.affinity.evaluation import embed, style_targets
    from cyclekit.affinity.retrieval import nearest_in_each_group

    method, data = _embedder(run)
    test = data.test
    targets = style_targets(test.images)
    labels = test.factors[:, 0].numpy()
    trained = embed(method.embedder, test.images, "cpu")
    untrained = embed(method.untrained_embedder(), test.images, "cpu")
    factors = np.stack([labels, targets["slant"], targets["thickness"]], 1)
    plot_embedding_by_factor({"untrained (PCA)": untrained, "trained (PCA)": trained},
                             factors, ("digit", "slant", "thickness"),
                             figures / f"acc_{name}_pca.png")
    queries = np.concatenate([np.flatnonzero(labels == digit)[:1] for digit in range(10)])
    pool = np.setdiff1d(np.arange(len(labels)), queries)  # a query never retrieves itself
    found = pool[nearest_in_each_group(trained[queries], trained[pool], labels[pool])]
    save_retrieval_grid(test.images[queries], test.images[torch.as_tensor(found)],
                        figures / f"acc_{name}_retrieval.png",
                        row_labels=[f"query {labels[q]}" for q in queries])


if __name__ == "__main__":
    main()
