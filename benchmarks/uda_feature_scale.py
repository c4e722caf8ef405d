"""Why does a bounded feature layer help DANN (issue 4)? Measures the features of the DANN
design-screen runs on the development task (MNIST → Semeion) and trains nothing.

    python -m benchmarks uda_feature_scale [--variants shipped sigmoid_features tanh_features]
        [--seeds 0 1 2] [--runs-dir runs/benchmarks/uda_design/dann]
        [--out benchmarks/results] [--figures docs/figures] [--report-only]

The guess under test (docs/uda.md): a ReLU layer can let the two domains differ in the *scale*
of their features, which a bounded layer cannot. Per run, on 2000 MNIST test images and 2000
Semeion images (the dev score's images; no label is read here): the mean L2 norm of each
domain's features and their ratio; the proxy A-distance 2(1 − 2ε) of a linear SVM (as in
Table 2) on the features, on their directions alone (each vector scaled to unit norm) and on
their norms alone; the share of the features' variance that lies between the two domains'
means (0: same mean, 1: nothing but the domain); the run's own domain discriminator's balanced accuracy on the same features;
its training adversarial loss over the last 500 steps (ln 2 ≈ 0.693 is a confused
discriminator); and the run's dev score. Writes ``uda_feature_scale.{json,md}`` and
``uda_dann_feature_norms.png`` (histograms of the norms, seed 0 of each variant);
``--report-only`` redraws them from the JSON.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import numpy as np
import torch

from benchmarks import ROOT
from benchmarks.arguments import RUNS, add_folders, add_seeds, study_parser
from benchmarks.preset_runs import describe_device
from benchmarks.results_table import read_result, save_figure, stamp, write_result

LABELS = {"shipped": "ReLU", "sigmoid_features": "sigmoid", "tanh_features": "tanh"}
SAMPLES = 2000
LAST_STEPS = 500
KEYS = ("dev_acc", "norm_source", "norm_target", "norm_ratio", "domain_variance_share",
        "a_distance", "a_distance_direction", "a_distance_norm", "discriminator_accuracy",
        "adversarial_loss_end")


def feature_scale(source: torch.Tensor, target: torch.Tensor, discriminator=None) -> dict:
    """Scale and separability of two domains' feature rows (see the module docstring)."""
    from cyclekit.adaptation.a_distance import proxy_a_distance

    norm_source, norm_target = source.norm(dim=1), target.norm(dim=1)
    found = {"norm_source": float(norm_source.mean()), "norm_target": float(norm_target.mean()),
             "a_distance": proxy_a_distance(source, target),
             "a_distance_direction": proxy_a_distance(source / norm_source[:, None].clamp_min(1e-8),
                                                      target / norm_target[:, None].clamp_min(1e-8)),
             "a_distance_norm": proxy_a_distance(norm_source[:, None], norm_target[:, None])}
    found["norm_ratio"] = found["norm_target"] / found["norm_source"]
    between = float((source.mean(0) - target.mean(0)).pow(2).sum()) / 4
    within = float(source.var(0).sum() + target.var(0).sum()) / 2
    found["domain_variance_share"] = between / (between + within)
    if discriminator is not None:
        with torch.no_grad():  # logit > 0: "source"
            found["discriminator_accuracy"] = 0.5 * (
                float((discriminator(source) > 0).float().mean())
                + float((discriminator(target) <= 0).float().mean()))
    return found


def measure(run_folder: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """A finished DANN dev run's numbers and its feature norms per domain (for the figure)."""
    from cyclekit.adaptation.domain_batch_norm import SOURCE
    from cyclekit.adaptation.evaluation import apply
    from cyclekit.engine.loading import load_trained_method

    config, method = load_trained_method(run_folder)
    if config.method != "dann":
        raise SystemExit(f"{run_folder}: a {config.method} run; this reads DANN runs only")
    pair = method.load_data(config)
    target_images = torch.cat([pair.y.train.images, pair.y.val.images, pair.y.test.images])
    generator = torch.Generator().manual_seed(0)
    target_images = target_images[torch.randperm(len(target_images), generator=generator)]
    source = apply(lambda x: method.features(x, SOURCE), pair.x.test.images[:SAMPLES], method,
                   "cpu").float()
    target = apply(method.features, target_images[:SAMPLES], method, "cpu").float()
    found = feature_scale(source, target, method.discriminator)
    found["dev_acc"] = json.loads((run_folder / "dev_scores.json").read_text())["dev_acc"]
    found["adversarial_loss_end"] = _adversarial_loss_end(run_folder / "metrics.jsonl",
                                                          config.train.steps)
    return found, {"source": source.norm(dim=1).numpy(), "target": target.norm(dim=1).numpy()}


def _adversarial_loss_end(log: Path, steps: int) -> float:
    values = [row["loss/network/adversarial"]
              for row in map(json.loads, log.read_text().splitlines())
              if "loss/network/adversarial" in row and row["step"] > steps - LAST_STEPS]
    return statistics.fmean(values)


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--variants", nargs="+", default=list(LABELS))
    add_seeds(parser)
    add_folders(parser, RUNS / "uda_design" / "dann",
                report_only="redraw the table and figure from uda_feature_scale.json")
    args = parser.parse_args()
    if args.report_only:
        return _report(read_result(args.out, "uda_feature_scale"), args)
    torch.set_num_threads(1)
    runs = []
    for variant in args.variants:
        for seed in args.seeds:
            folder = args.runs_dir / "dev" / variant / f"seed{seed}"
            if not (folder / "dev_scores.json").is_file():
                print(f"{folder}: no finished dev run, skipped", flush=True)
                continue
            found, norms = measure(folder)
            runs.append({"variant": variant, "seed": seed, "metrics": found,
                         "norms": {k: v.round(4).tolist() for k, v in norms.items()}
                         if seed == min(args.seeds) else None})
            print(f"{variant}/seed{seed}: " + ", ".join(f"{k} {found[k]:.3f}" for k in KEYS),
                  flush=True)
    if not runs:
        raise SystemExit(f"no finished DANN dev runs under {args.runs_dir}; train them with "
                         "`python -m benchmarks uda_design_screen --method dann` first")
    result = {**stamp("uda_feature_scale"), "device": describe_device([], 1), "torch": torch.__version__,
              "runs_dir": str(args.runs_dir.relative_to(ROOT)) if args.runs_dir.is_relative_to(ROOT)
              else str(args.runs_dir),
              "data": (f"{SAMPLES} MNIST test images (source) and {SAMPLES} Semeion images "
                       "(target, train + val + test, a seeded shuffle); no labels read"),
              "checkpoint_rule": "last", "runs": runs, "summary": summary(runs)}
    _report(result, args)


def summary(runs: list[dict]) -> dict:
    """Per variant: mean, std and n of every measured key over its seeds."""
    grouped: dict[str, list[dict]] = {}
    for run in runs:
        grouped.setdefault(run["variant"], []).append(run["metrics"])
    return {variant: {key: {"mean": statistics.fmean(values),
                            "std": statistics.stdev(values) if len(values) > 1 else 0.0,
                            "n": len(values)}
                      for key in KEYS
                      if (values := [found[key] for found in chosen if key in found])}
            for variant, chosen in grouped.items()}


def markdown(result: dict) -> str:
    lines = [f"# DANN's features: scale and separability of the domains ({result['date']})", "",
             (f"Runs: the DANN design screen's dev runs (`{result['runs_dir']}`), checkpoint "
              f"rule {result['checkpoint_rule']}; data: {result['data']}; measured on "
              f"{result['device']}, torch {result['torch']}. Mean ± std over seeds. A-distance: "
              "2(1 − 2ε) of a linear SVM on standardised inputs (2: fully separable, 0: not), on "
              "the features, their directions (unit norm) and their norms alone. "
              "Discriminator: the run's own domain discriminator, balanced accuracy. Adversarial "
              f"loss: its training loss over the last {LAST_STEPS} steps (ln 2 = 0.693: "
              "confused). Domain share of variance: |mean_s − mean_t|² / 4 over the total "
              "variance of the two domains' features pooled."), "",
             ("| features | seeds | dev acc | norm, source | norm, target | target / source | "
              "domain share of variance | A-dist | A-dist, directions | A-dist, norms | "
              "discriminator acc | adversarial loss (end) |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for variant, stats in result["summary"].items():
        cells = [f"{stats[key]['mean']:.3f} ± {stats[key]['std']:.3f}" if key in stats else "–"
                 for key in KEYS]
        lines.append(f"| {LABELS.get(variant, variant)} | {stats['dev_acc']['n']} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _report(result: dict, args) -> None:
    write_result(args.out, "uda_feature_scale", result, markdown(result), indent=1)
    _figure(result["runs"], args.figures / "uda_dann_feature_norms.png")


def _figure(runs: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [run for run in runs if run["norms"]]
    figure, axes = plt.subplots(1, len(shown), figsize=(3.2 * len(shown), 2.6), squeeze=False)
    for axis, run in zip(axes[0], shown):
        scale = float(np.mean(run["norms"]["source"]))
        for domain, colour in (("source", "tab:blue"), ("target", "tab:orange")):
            axis.hist(np.asarray(run["norms"][domain]) / scale, bins=40, alpha=0.6,
                      color=colour, label="MNIST" if domain == "source" else "Semeion")
        axis.set_title(f"{LABELS.get(run['variant'], run['variant'])}, seed {run['seed']}",
                       fontsize=9)
        axis.set_xlabel("feature norm / mean MNIST norm", fontsize=8)
        axis.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=7)
    figure.tight_layout()
    save_figure(figure, path, dpi=110)


if __name__ == "__main__":
    main()
