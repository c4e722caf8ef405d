"""Tiao et al.'s MNIST table: SJMVI (KL and GAN bounds), VAE and AVB with a 2-D banana prior.

    python -m benchmarks sjmvi_results --data-dir /work/shared/data [--seeds 0 1 2]
        [--presets sjmvi_kl_mnist sjmvi_gan_mnist vae_mnist avb_mnist] [--set key=value ...]

Each run trains a preset of ``configs/`` with another seed (one thread, checkpoint rule
"last") and evaluates MSE z and MSE x on the test split (protocol in
``cyclekit/latent/evaluation.py``). Writes ``benchmarks/results/sjmvi.{json,md}`` (after every
run, so a cut-short benchmark still leaves what it measured) and, from each preset's first
seed, the poster's figures ``docs/figures/sjmvi_*.png``. Run directories go to ``--runs``.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import torch

import cyclekit.latent.evaluation as ilvm_eval
from benchmarks import ROOT
from benchmarks.arguments import FIGURES, RESULTS, add_overrides, add_seeds, study_parser
from benchmarks.launch import train_timed
from benchmarks.results_table import cpu_name, summarize_by, utc_now, write_result
from cyclekit.config import load_config
from cyclekit.engine.checkpoint import latest_checkpoint, load_checkpoint
from cyclekit.engine.loading import build_method

PRESETS = ("sjmvi_kl_mnist", "sjmvi_gan_mnist", "vae_mnist", "avb_mnist")
METRICS = ("test/mse_z", "test/mse_x", "train/wall_time_s", "eval/wall_time_s")
# The poster's table (Tiao et al. 2018): MSE z, MSE x.
POSTER = {"sjmvi": (0.17, 0.04), "vae": (0.88, 0.04), "avb": (0.29, 0.04)}
PROTOCOL = ("MSE x: per-pixel mean squared error on the [0, 1] pixel scale between the 10 000 "
            "MNIST test images and their reconstructions decoder mean(encoder mean(x)); MSE z: "
            "per-dimension mean squared error between 10 000 fresh banana-prior samples (one "
            "fixed generator for every run) and encoder mean(decoder mean(z)); AVB's encoder mean "
            "is a Monte Carlo mean over 16 noise draws")


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--data-dir", required=True)
    add_seeds(parser)
    parser.add_argument("--presets", nargs="+", default=list(PRESETS))
    add_overrides(parser)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--figures", type=Path, default=FIGURES)
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "sjmvi_benchmark")
    args = parser.parse_args()

    runs: list[dict] = []
    started_at = utc_now()
    for seed in args.seeds:  # seeds outermost: a cut-short benchmark still covers every method
        for preset in args.presets:
            config = load_config(ROOT / "configs" / f"{preset}.yaml",
                                 [f"data.data_dir={args.data_dir}", f"seed={seed}",
                                  *args.overrides])
            run_dir = args.runs / f"{preset}-seed{seed}"
            metrics, seconds = train_timed(config, run_dir)
            runs.append({"preset": preset, "method": config.method,
                         "bound": getattr(config.model, "bound", None),
                         "strategy": config.strategy.name, "seed": seed,
                         "run_wall_time_s": seconds,
                         "config": config.to_dict(),
                         "metrics": {k: metrics[k] for k in METRICS if k in metrics}})
            print(f"{preset} seed {seed}: " + ", ".join(
                f"{k}={v:.4f}" for k, v in runs[-1]["metrics"].items()), flush=True)
            if seed == args.seeds[0]:
                save_figures(config, run_dir, preset, args.figures)
            write_results(args, runs, started_at)


def save_figures(config, run_dir: Path, preset: str, figures: Path) -> None:
    """The poster's figure from the trained run: prior, test codes, decoder manifold."""
    method = build_method(config, torch.device("cpu"))
    load_checkpoint(latest_checkpoint(run_dir / "checkpoints"), method,
                    fingerprint=config.fingerprint())
    data = method.load_data(config)
    paths = ilvm_eval.save_latent_figures(method, data, figures, f"sjmvi_{preset}")
    paths[0].replace(figures / "sjmvi_prior.png")  # the same prior for every preset


def write_results(args, runs: list[dict], started_at: str) -> None:
    result = {
        "benchmark": "sjmvi", "started": started_at,
        "written": utc_now(),
        "device": f"cpu ({cpu_name()}), 1 thread per run, "
                  f"CPU shared with other jobs",
        "torch": torch.__version__,
        "data": "MNIST 28x28 grayscale (60 000 train - 1 000 validation, 10 000 test), banana "
                "prior given by a collection of 10 000 samples",
        "checkpoint_rule": "last", "split": "test", "seeds": args.seeds,
        "protocol": PROTOCOL, "poster": {k: {"mse_z": v[0], "mse_x": v[1]}
                                         for k, v in POSTER.items()},
        "runs": runs, "summary": summary(runs),
    }
    write_result(args.out, "sjmvi", result, markdown(result))


def summary(runs: list[dict]) -> dict:
    return summarize_by(runs, "preset", (*METRICS, "run_wall_time_s"),
                        lambda run, key: run["metrics"].get(key, run.get(key)), _mean_std_max)


def _mean_std_max(values: list[float]) -> dict:
    return {"mean": statistics.fmean(values),
            "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            "max": max(values), "n": len(values)}


TABLE_HEAD = ("| preset | method | bound | seeds | MSE z | MSE x | poster MSE z | poster MSE x | "
              "train time (s) | run time (s, max) |")


def markdown(result: dict) -> str:
    header = (f"Data: {result['data']}. Device: {result['device']}, torch {result['torch']}. "
              f"Checkpoint rule: {result['checkpoint_rule']}; metrics on the {result['split']} "
              f"split; mean ± std over seeds.")
    lines = [f"# SJMVI, VAE and AVB on MNIST with a banana prior ({result['written']})", "",
             header, "", f"Protocol: {result['protocol']}.", "",
             TABLE_HEAD,
             "|---|---|---|---|---|---|---|---|---|---|"]
    for preset, stats in result["summary"].items():
        run = next(r for r in result["runs"] if r["preset"] == preset)
        poster = POSTER[run["method"]]
        lines.append(
            f"| {preset} | {run['method']} | {run['bound'] or '–'} | "
            f"{stats['test/mse_z']['n']} | {_cell(stats, 'test/mse_z')} | "
            f"{_cell(stats, 'test/mse_x')} | "
            f"{poster[0]} | {poster[1]} | {stats['train/wall_time_s']['mean']:.0f} | "
            f"{stats['run_wall_time_s']['max']:.0f} |")
    lines += ["", *bar_lines(result), "Per run:", "", "| preset | seed | MSE z | MSE x | run time (s) |",
              "|---|---|---|---|---|"]
    for run in result["runs"]:
        lines.append(f"| {run['preset']} | {run['seed']} | {run['metrics']['test/mse_z']:.4f} | "
                     f"{run['metrics']['test/mse_x']:.4f} | {run['run_wall_time_s']:.0f} |")
    lines.append("")
    return "\n".join(lines)


def _cell(stats: dict, key: str) -> str:
    return f"{stats[key]['mean']:.4f} ± {stats[key]['std']:.4f}" if key in stats else "–"


def bar_lines(result: dict) -> list[str]:
    """The issue's bar, checked on the means: SJMVI MSE z <= 0.17 and MSE x <= 0.04, ordering
    SJMVI < AVB < VAE on MSE z, every run <= 10 min."""
    mean = {p: {k: v["mean"] for k, v in s.items()} for p, s in result["summary"].items()}
    method = {r["preset"]: r["method"] for r in result["runs"]}
    by_method: dict[str, list[float]] = {}
    for preset, values in mean.items():
        by_method.setdefault(method[preset], []).append(values["test/mse_z"])
    lines = ["Bar (on the means over seeds):", ""]
    for preset in (p for p in mean if method[p] == "sjmvi"):
        ok = mean[preset]["test/mse_z"] <= 0.17 and mean[preset]["test/mse_x"] <= 0.04
        lines.append(f"- {preset}: MSE z <= 0.17 and MSE x <= 0.04: {'met' if ok else 'NOT met'}")
    if {"sjmvi", "avb", "vae"} <= set(by_method):
        ok = max(by_method["sjmvi"]) < min(by_method["avb"]) < min(by_method["vae"])
        lines.append(f"- ordering SJMVI < AVB < VAE on MSE z: {'met' if ok else 'NOT met'}")
    longest = max(r["run_wall_time_s"] for r in result["runs"])
    verdict = "met" if longest <= 600 else "NOT met"
    lines.append(f"- every run <= 10 min: {verdict} (longest {longest:.0f} s, training + "
                 f"evaluation + data loading)")
    lines.append("")
    return lines


if __name__ == "__main__":
    main()
