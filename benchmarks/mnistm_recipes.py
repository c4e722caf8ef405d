"""Do MNIST -> MNIST-M runs hold up on MNIST-M images built by another recipe?

    python -m benchmarks mnistm_recipes [--runs-dir runs/benchmarks/uda] [--work runs/mnistm_recipes]
        [--stem mnistm_recipes]

Issue 4 asks that an adapted MNIST -> MNIST-M model generalise to MNIST-M images it has never
seen, built by others (e.g. the original release), without tuning on them. The original
release is not on this machine, so this benchmark builds test sets from the 10,000 MNIST test
digits by recipes other than the one the runs were trained and scored on, writes every image
as a PNG file, and labels the folders with ``cyclekit predict`` exactly as a user would:

* ``cyclekit``: the ``mnistm`` domain's own test split (``|patch - digit|`` over crops of the
  BSDS500 *test* photos, every digit at its grey levels); predict must reproduce the accuracy
  the run recorded.
* ``half_binarised``: the same crops with a seeded half of the digits binarised
  (``load_blended(..., binarised_share=0.5)``).
* ``binarised``: the widely used re-creation of Ganin & Lempitsky's recipe (the digit
  binarised at > 0 to 255, then ``|patch - digit|`` over a random crop of a random BSDS500
  *train* photo, the photos the original release used), drawn with its own random stream.
* ``binarised_32px``: the same images stored at 32 x 32 (bilinear), as some MNIST-M copies
  are; predict resizes them back to the run's 28 x 28.

Every finished run of ``mnist_mnistm`` (CDLM, DANN, DIRT-T, source-only, target-only; all seeds) in
``--runs-dir`` is scored; nothing here is used to choose or tune a run. Runs of the earlier
``<stem>.json`` that this call does not score (a row or seed whose folder is gone) are kept as
recorded, each with the date it was measured. Writes ``benchmarks/results/<stem>.{json,md}``.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from benchmarks import ROOT
from benchmarks.arguments import RESULTS, default_data, study_parser
from benchmarks.results_table import cpu_name, utc_now, write_result
from cyclekit.adaptation.predict import predict
from cyclekit.data.blend import blend, plan_crops
from cyclekit.data.bsds500 import load_photos
from cyclekit.data.idx import load_idx_split
from cyclekit.data.mnistm import load_blended

TASK = "mnist_mnistm"
ROWS = ("source_only", "dann", "cdlm", "dirt_t", "target_only")
RECIPES = {
    "cyclekit": "the mnistm domain's test split: grey-level digits over BSDS500 test-photo "
                "crops (28 px)",
    "half_binarised": "the same crops, a seeded half of the digits binarised (28 px)",
    "binarised": "digit > 0 -> 255 over BSDS500 train-photo crops, own random stream (28 px)",
    "binarised_32px": "the binarised images stored at 32 x 32 (bilinear); predict resizes",
}
BINARISED_SEED = 42


def build_recipes(data_dir: Path, work: Path) -> dict[str, tuple[Path, np.ndarray]]:
    """Write each recipe's 10,000 test images as PNG files; return folder and labels."""
    digits, labels = load_idx_split("mnist", "test", data_dir)
    own, own_labels = load_blended("mnistm", "mnist", "test", data_dir)
    half, _ = load_blended("mnistm", "mnist", "test", data_dir, binarised_share=0.5)
    binary = np.where(digits[:, 0] > 0, 255, 0).astype(np.uint8)
    photos = load_photos("train", data_dir)
    binarised = blend(binary, photos, plan_crops(len(binary), photos, 28, BINARISED_SEED))
    images = {"cyclekit": own[np.arange(len(own))], "half_binarised": half[np.arange(len(half))],
              "binarised": binarised,
              "binarised_32px": binarised}
    built = {}
    for name, stack in images.items():
        folder = work / name
        if not (folder / "done").is_file():
            folder.mkdir(parents=True, exist_ok=True)
            for index, image in enumerate(stack):
                picture = Image.fromarray(image.transpose(1, 2, 0))
                if name.endswith("_32px"):
                    picture = picture.resize((32, 32), Image.BILINEAR)
                picture.save(folder / f"{index:05d}.png")
            (folder / "done").write_text(f"{len(stack)}\n")
        built[name] = (folder, own_labels if name in ("cyclekit", "half_binarised") else labels)
    return built


def score_runs(runs_dir: Path, recipes: dict, work: Path) -> list[dict]:
    scored = []
    for row in ROWS:
        for run_dir in sorted((runs_dir / TASK / row).glob("seed*")):
            if not (run_dir / "metrics.json").is_file():
                continue
            recorded = json.loads((run_dir / "metrics.json").read_text())
            entry = {"row": row, "seed": int(run_dir.name.removeprefix("seed")),
                     "run": str(run_dir), "recorded_target_acc": recorded.get("test/target_acc"),
                     "accuracy": {}}
            for name, (folder, labels) in recipes.items():
                started = time.perf_counter()
                rows = predict(run_dir, [folder], work / f"{row}_{run_dir.name}_{name}.csv")
                predicted = np.array([label for _, label, _ in rows])
                entry["accuracy"][name] = float((predicted == labels).mean())
                entry.setdefault("predict_s", {})[name] = time.perf_counter() - started
            print(f"{row} {run_dir.name}: " + ", ".join(
                f"{k}={v:.3f}" for k, v in entry["accuracy"].items()), flush=True)
            scored.append(entry)
    return scored


def merge_runs(earlier: list[dict], scored: list[dict]) -> list[dict]:
    """``scored`` and the ``earlier`` runs it does not replace (same row and seed), in row and
    seed order."""
    fresh = {(run["row"], run["seed"]) for run in scored}
    kept = [run for run in earlier if (run["row"], run["seed"]) not in fresh]
    return sorted(kept + scored, key=lambda run: (ROWS.index(run["row"]), run["seed"]))


def summarise(scored: list[dict]) -> dict:
    summary = {}
    for row in ROWS:
        runs = [s for s in scored if s["row"] == row]
        if runs:
            summary[row] = {name: {"mean": statistics.fmean(r["accuracy"][name] for r in runs),
                                   "std": statistics.stdev([r["accuracy"][name] for r in runs])
                                   if len(runs) > 1 else 0.0,
                                   "n": len(runs)} for name in RECIPES}
    return summary


def markdown(result: dict) -> str:
    lines = [(f"# MNIST -> MNIST-M runs on MNIST-M test images of other recipes "
             f"({result['date']})"), "",
             (f"Task `{TASK}`, runs from `{result['runs_dir']}` (presets configs/uda/, checkpoint "
             f"rule \"last\", selected on nothing here). Labels by `cyclekit predict` on PNG "
             f"folders of the 10,000 MNIST test digits. Device: {result['device']}; torch "
             f"{result['torch']}; wall time {result['wall_time_s']:.0f} s (of the latest call; "
             f"each run's date of measurement is in the JSON)."), "",
             "Recipes:", ""]
    lines += [f"* `{name}`: {text}" for name, text in RECIPES.items()]
    lines += ["", "Target accuracy, mean ± std over seeds (n seeds):", "",
              "| row | " + " | ".join(RECIPES) + " |", "|---|" + "---|" * len(RECIPES)]
    for row, cells in result["summary"].items():
        lines.append(f"| {row} | " + " | ".join(
            f"{c['mean']:.3f} ± {c['std']:.3f} ({c['n']})" if c["n"] > 1 else
            f"{c['mean']:.3f} (1)" for c in cells.values()) + " |")
    lines += ["", "Per run (recorded = test/target_acc in the run's metrics.json):", "",
              "| row | seed | recorded | " + " | ".join(RECIPES) + " |",
              "|---|---|---|" + "---|" * len(RECIPES)]
    for run in result["runs"]:
        recorded = run["recorded_target_acc"]
        lines.append(f"| {run['row']} | {run['seed']} | "
                     f"{'–' if recorded is None else f'{recorded:.3f}'} | " + " | ".join(
                         f"{run['accuracy'][name]:.3f}" for name in RECIPES) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--runs-dir", type=Path, default=ROOT / "runs" / "benchmarks" / "uda")
    parser.add_argument("--work", type=Path, default=ROOT / "runs" / "mnistm_recipes",
                        help="where the PNG test sets and prediction CSVs go (ignored by git)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--stem", default="mnistm_recipes", help="name of the result files")
    args = parser.parse_args()
    torch.set_num_threads(1)
    started = time.perf_counter()
    recipes = build_recipes(args.data, args.work)
    scored = score_runs(args.runs_dir, recipes, args.work)
    if not scored:
        raise SystemExit(f"no finished {TASK} runs under {args.runs_dir / TASK}; run "
                         f"`python -m benchmarks uda_results --tasks {TASK}` first")
    now = utc_now()
    earlier = args.out / f"{args.stem}.json"
    if earlier.is_file():
        recorded = json.loads(earlier.read_text())
        earlier_runs = [{"measured": recorded["date"], **run} for run in recorded["runs"]]
    else:
        earlier_runs = []
    scored = merge_runs(earlier_runs, [{"measured": now, **run} for run in scored])
    result = {"benchmark": "mnistm_recipes", "task": TASK, "date": now,
              "device": f"cpu ({cpu_name()}, 1 thread)",
              "torch": torch.__version__, "runs_dir": str(args.runs_dir.relative_to(ROOT))
              if args.runs_dir.is_relative_to(ROOT) else str(args.runs_dir),
              "recipes": RECIPES, "binarised_seed": BINARISED_SEED,
              "wall_time_s": time.perf_counter() - started, "runs": scored,
              "summary": summarise(scored)}
    write_result(args.out, args.stem, result, markdown(result))


if __name__ == "__main__":
    main()
