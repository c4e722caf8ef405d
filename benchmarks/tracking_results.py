"""Score trackers on the real sequences under one protocol (default ``pysot_otb``): the
published UDT boxes, the NCC baseline, CycleTrack and CycleTrack-EM (3 seeds each) and their
untrained network.

    python -m benchmarks tracking_results [--data DIR] [--protocol pysot_otb] [--out DIR]
        [--seeds 0 1 2] [--parallel 2] [--train-runs runs/benchmarks/tracking] [--no-train]
        [--tre]

Sequences: every sequence under ``DIR/tracking`` (5 OTB + the VOT2015 bag; default data dir
``$CYCLEKIT_DATA`` or ../shared/data). One function per row family (``published_rows``,
``baseline_rows``, ``cycletrack_rows``). CycleTrack runs are the presets
``configs/tracking/cycletrack{,_em}.yaml`` trained with ``cyclekit train`` (one thread per
subprocess, ``--parallel`` at a time, seed by seed) into ``--train-runs``, all before any
tracker is timed; a finished run (``metrics.json``) is not trained again,
a stopped one is resumed, and its boxes are not recomputed once written, so the table can be
built over several sessions (``--no-train`` scores only the runs that exist). Trackers run
with one torch thread; fps counts the time inside ``init`` / ``update`` (decoding excluded), and
``fps_with_decoding`` the whole loop. ``--tre`` adds temporal robustness (OTB's TRE, 20
starts per sequence; ``cyclekit.tracking.temporal_robustness``) for every tracker run here.
Writes ``benchmarks/results/tracking.{json,md}`` and the frame strip
``docs/figures/tracking_<sequence>.png``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from benchmarks import ROOT as REPO
from benchmarks.arguments import RESULTS, RUNS, add_parallel, add_seeds, default_data, study_parser
from benchmarks.launch import run_all, run_resumable
from benchmarks.results_table import cpu_name, stamp, write_json, write_result
from cyclekit.config import load_config
from cyclekit.engine.loading import build_method
from cyclekit.tracking.evaluate import load_results
from cyclekit.tracking.figures import save_frame_strip
from cyclekit.tracking.protocols import get_protocol
from cyclekit.tracking.runner import run_tracker
from cyclekit.tracking.sequences.box_text import read_box_lines
from cyclekit.tracking.sequences.discover import discover_sequences
from cyclekit.tracking.sequences.sequence import Sequence
from cyclekit.tracking.success_precision import evaluate_sequences
from cyclekit.tracking.temporal_robustness import evaluate_tre
from cyclekit.tracking.trackers import BASELINES, tracker_factory

OTB = ("Couple", "Crossing", "David", "Diving", "Football1")
PUBLISHED = {"UDT": "peer_results/UDT"}  # row name -> boxes folder under the tracking data
CYCLETRACK = {"CycleTrack": "cycletrack", "CycleTrack-EM": "cycletrack_em"}  # row -> preset
METRICS = ("auc", "precision", "norm_precision")


def published_rows(tracking: Path, sequences: list[Sequence], protocol: str) -> list[dict]:
    """Published boxes, scored on the sequences they cover (no fps: not measured here)."""
    rows = []
    for name, folder in PUBLISHED.items():
        covered = [s for s in sequences if (tracking / folder / f"{s.name}.txt").is_file()]
        started = time.perf_counter()
        report = evaluate_sequences(protocol, covered, load_results(tracking / folder, covered))
        rows.append(_row(f"{name} (published boxes)", "published", report,
                         wall_time_s=time.perf_counter() - started, fps=None,
                         fps_with_decoding=None, results=str(tracking / folder),
                         note="boxes copied from the authors' release; speed not measured"))
    return rows


def baseline_rows(sequences: list[Sequence], protocol: str, results_root: Path,
                  tre: bool = False) -> list[dict]:
    """Each baseline tracker run one-pass on every sequence (boxes reused once written), then
    scored; with ``tre``, also from 20 starts per sequence."""
    rows = []
    for name, factory in BASELINES.items():
        run = score_tracker(factory, sequences, protocol, results_root / name, None, tre)
        rows.append(_row(name, "baseline", run["report"],
                         wall_time_s=run["tracking_wall_time_s"], fps=run["fps"],
                         fps_with_decoding=run["fps_with_decoding"], results=run["results"],
                         note="fixed-template NCC, no training",
                         **({"tre": tre_summary(run["tre"])} if tre else {})))
    return rows


def train_cycletrack(train_runs: Path, seeds: list[int], data: Path, parallel: int,
                     overrides: tuple[str, ...] = ()) -> None:
    """Train (or finish) every CycleTrack preset and seed, ``parallel`` runs at a time, with
    ``overrides`` (``key=value``) on top of the presets."""
    jobs = [(preset, seed, train_runs / f"{preset}_seed{seed}", data, overrides)
            for seed in seeds for preset in CYCLETRACK.values()]
    run_all(jobs, lambda job: _train(*job), parallel)


def cycletrack_rows(sequences: list[Sequence], protocol: str, results_root: Path,
                    train_runs: Path, seeds: list[int], tre: bool = False) -> list[dict]:
    """CycleTrack and CycleTrack-EM over the finished runs of ``seeds``, then the untrained
    network of the same presets and seeds (the weights a run starts from)."""
    rows = []
    for name, preset in CYCLETRACK.items():
        runs = []
        for seed in seeds:
            run_dir = train_runs / f"{preset}_seed{seed}"
            if (run_dir / "metrics.json").is_file():
                runs.append(score_tracker(tracker_factory(run_dir), sequences, protocol,
                                          results_root / f"{preset}_seed{seed}", run_dir, tre))
        if runs:
            rows.append(_seed_row(name, "cycletrack", runs, note=(
                f"configs/tracking/{preset}.yaml, trained on unlabeled synthetic video")))
    untrained = [score_tracker(untrained_factory(seed), sequences, protocol,
                               results_root / f"untrained_seed{seed}", None, tre)
                 for seed in seeds]
    rows.append(_seed_row("untrained network", "baseline", untrained,
                          note="CycleTrack's tracker with its initial weights, no training"))
    return rows


def _train(preset: str, seed: int, run_dir: Path, data: Path, overrides: tuple[str, ...]) -> str:
    """Train one preset/seed unless finished; resume it when it was stopped."""
    return run_resumable(["train", str(REPO / "configs" / "tracking" / f"{preset}.yaml"),
                          "--set", f"seed={seed}", "--set", f"data.data_dir={data}"],
                         run_dir, list(overrides), name=run_dir.name, done="trained")


def untrained_factory(seed: int):
    """A factory of one-pass trackers around the network a CycleTrack run of ``seed`` starts
    from (the trainer seeds torch with the run's seed, then builds the method)."""
    config = load_config(REPO / "configs" / "tracking" / "cycletrack_em.yaml",
                         [f"seed={seed}"])
    torch.manual_seed(seed)
    method = build_method(config, torch.device("cpu")).eval()
    return lambda: method.online_tracker()


def score_tracker(factory, sequences: list[Sequence], protocol: str, out: Path,
                  run_dir: Path | None, tre: bool = False) -> dict:
    """Boxes of ``factory``'s trackers (reused when ``out`` already holds them all), scored;
    with ``tre``, also the temporal-robustness report (reused from ``out/tre_<protocol>.json``)."""
    done = (out / "timing.json").is_file() and all((out / f"{s.name}.txt").is_file()
                                                   for s in sequences)
    timing = (json.loads((out / "timing.json").read_text()) if done
              else run_tracker(factory, sequences, out))
    report = evaluate_sequences(protocol, sequences, load_results(out, sequences))
    wall = run_dir / "benchmark_wall_time_s.txt" if run_dir else None
    metrics = json.loads((run_dir / "metrics.json").read_text()) if run_dir else {}
    scored = {"report": report, "fps": timing["fps"],
              "tracking_wall_time_s": sum(t["total_seconds"]
                                          for t in timing["sequences"].values()),
              "fps_with_decoding": timing["fps_with_decoding"], "results": _shown(out),
              "run": _shown(run_dir) if run_dir else None,
              "train_wall_time_s": metrics.get("train/wall_time_s"),
              "benchmark_wall_time_s": float(wall.read_text()) if wall and wall.is_file()
              else None,
              "synthetic_auc": metrics.get("test/synthetic_auc")}
    if tre:
        scored["tre"] = tre_report(factory, sequences, protocol, out / f"tre_{protocol}.json")
    return scored


def tre_report(factory, sequences: list[Sequence], protocol: str, path: Path) -> dict:
    """TRE (20 starts per sequence, OTB's rule) of ``factory``'s trackers, cached at ``path``
    for these sequences and protocol."""
    names = [s.name for s in sequences]
    if path.is_file():
        cached = json.loads(path.read_text())
        if cached["protocol"] == protocol and list(cached["sequences"]) == names:
            return cached
    report = evaluate_tre(protocol, sequences, factory)
    write_json(path, report)
    return report


def tre_summary(report: dict) -> dict:
    """Per-sequence TRE AUC, the mean over all sequences and over the five OTB ones."""
    aucs = {name: row["auc"] for name, row in report["sequences"].items()}
    otb = [aucs[s] for s in OTB if s in aucs]
    return {"auc": aucs, "mean_auc": report["mean"]["auc"],
            "mean_otb5_auc": statistics.mean(otb) if len(otb) == len(OTB) else None,
            "tracked_frames": report["tracked_frames"], "fps": report["fps"]}


def _seed_row(name: str, family: str, runs: list[dict], note: str) -> dict:
    """One row from several seeds: per-sequence means over seeds, the spread of the mean AUC."""
    reports = [run["report"] for run in runs]
    names = list(reports[0]["sequences"])
    report = {"protocol": reports[0]["protocol"],
              "sequences": {n: {"frames": reports[0]["sequences"][n]["frames"],
                                **{k: statistics.mean(r["sequences"][n][k] for r in reports)
                                   for k in METRICS}} for n in names},
              "mean": {"sequences": len(names),
                       **{k: statistics.mean(r["mean"][k] for r in reports) for k in METRICS}}}
    aucs = [r["mean"]["auc"] for r in reports]
    otb = [statistics.mean(r["sequences"][s]["auc"] for s in OTB) for r in reports
           if all(s in r["sequences"] for s in OTB)]
    label = f"{name} ({len(runs)} seed{'s' if len(runs) > 1 else ''})"
    return _row(label, family, report,
                wall_time_s=sum(run["tracking_wall_time_s"] for run in runs),
                fps=statistics.mean(run["fps"] for run in runs),
                fps_with_decoding=statistics.mean(run["fps_with_decoding"] for run in runs),
                results=runs[0]["results"], note=note,
                seeds={"mean_auc": aucs, "mean_auc_std": statistics.pstdev(aucs),
                       "mean_otb5_auc": otb,
                       "mean_otb5_auc_std": statistics.pstdev(otb) if otb else None,
                       "runs": [{k: run[k] for k in ("run", "results", "fps", "train_wall_time_s",
                                                     "benchmark_wall_time_s", "synthetic_auc")}
                                for run in runs]},
                **({"tre": _seed_tre([tre_summary(run["tre"]) for run in runs])}
                   if all("tre" in run for run in runs) else {}))


def _seed_tre(summaries: list[dict]) -> dict:
    """TRE over seeds: per-sequence mean AUC, the means over sequences with their std."""
    otb = [s["mean_otb5_auc"] for s in summaries]
    return {"auc": {name: statistics.mean(s["auc"][name] for s in summaries)
                    for name in summaries[0]["auc"]},
            "mean_auc": statistics.mean(s["mean_auc"] for s in summaries),
            "mean_auc_std": statistics.pstdev([s["mean_auc"] for s in summaries]),
            "mean_otb5_auc": statistics.mean(otb) if None not in otb else None,
            "mean_otb5_auc_std": statistics.pstdev(otb) if None not in otb else None,
            "per_seed_mean_otb5_auc": otb,
            "tracked_frames": sum(s["tracked_frames"] for s in summaries),
            "fps": statistics.mean(s["fps"] for s in summaries)}


def _shown(path: Path) -> str:
    """``path`` relative to the repository when it is inside it."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def _row(name: str, family: str, report: dict, **extra) -> dict:
    per_sequence = {seq: {k: row[k] for k in ("frames", "auc", "precision", "norm_precision")}
                    for seq, row in report["sequences"].items()}
    otb = [s for s in OTB if s in per_sequence]
    mean_otb = {k: sum(per_sequence[s][k] for s in otb) / len(otb)
                for k in ("auc", "precision", "norm_precision")} if len(otb) == len(OTB) else None
    mean = {k: report["mean"][k] for k in ("auc", "precision", "norm_precision", "sequences")}
    return {"name": name, "family": family, "protocol": report["protocol"],
            "sequences": per_sequence, "mean_otb5": mean_otb, "mean": mean, **extra}


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """``--data``, ``--protocol``, ``--out`` and ``--seeds``, shared with tracking_curves.py."""
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--protocol", default="pysot_otb")
    parser.add_argument("--out", type=Path, default=RESULTS)
    add_seeds(parser)


def main() -> None:
    parser = study_parser(__doc__)
    add_common_arguments(parser)
    parser.add_argument("--runs", type=Path, default=REPO / "runs" / "tracking",
                        help="where tracker boxes are written (ignored by git)")
    parser.add_argument("--figure-sequence", default="David")
    parser.add_argument("--train-runs", type=Path, default=RUNS / "tracking",
                        help="CycleTrack run directories (ignored by git)")
    parser.add_argument("--no-train", action="store_true",
                        help="score only CycleTrack runs that already finished")
    add_parallel(parser, "CycleTrack runs trained at a time (one thread each)")
    parser.add_argument("--tre", action="store_true",
                        help="also score every tracker by TRE (20 starts per sequence; about "
                             "ten times the frames of one pass)")
    args = parser.parse_args()
    if args.parallel < 1:
        parser.error(f"--parallel must be at least 1, got {args.parallel}")
    torch.set_num_threads(1)

    started = time.perf_counter()
    if not args.no_train:
        train_cycletrack(args.train_runs, args.seeds, args.data, args.parallel)
    scoring_started = time.perf_counter()
    tracking = args.data / "tracking"
    sequences = discover_sequences(tracking)
    rows = published_rows(tracking, sequences, args.protocol)
    rows += baseline_rows(sequences, args.protocol, args.runs, args.tre)
    rows += cycletrack_rows(sequences, args.protocol, args.runs, args.train_runs, args.seeds,
                            args.tre)
    for row in rows:
        print(f"{row['name']}: mean AUC {row['mean']['auc']:.3f} over "
              f"{row['mean']['sequences']} sequences", flush=True)
    result = {
        **stamp("tracking"), "device": f"cpu ({cpu_name()}, {torch.get_num_threads()} torch thread)",
        "torch": torch.__version__, "protocol": args.protocol,
        "rules": list(get_protocol(args.protocol).rules),
        "data": {s.name: {"frames": len(s), "source": s.source} for s in sequences},
        "fps_note": "fps: frames / seconds inside tracker init+update (image decoding "
                    "excluded); fps_with_decoding: the whole loop",
        "rows": rows, "wall_time_s": time.perf_counter() - started,
        "scoring_wall_time_s": time.perf_counter() - scoring_started,
        "training_note": (f"CycleTrack runs trained {args.parallel} at a time on this machine "
                          "(one thread each); their wall times include that sharing"),
    }
    figure = _figure(sequences, rows, args.figure_sequence)
    if figure:
        result["figure"] = str(figure.relative_to(REPO))
    write_result(args.out, "tracking", result, _markdown(result, [s.name for s in sequences]))


def _figure(sequences: list[Sequence], rows: list[dict], name: str) -> Path | None:
    sequence = next((s for s in sequences if s.name == name), None)
    if sequence is None:
        return None
    boxes = {row["name"].split(" ")[0]: read_box_lines(REPO / row["results"] / f"{name}.txt")
             for row in rows if name in row["sequences"]}
    return save_frame_strip(sequence, boxes, REPO / "docs" / "figures" /
                            f"tracking_{name.lower()}.png")


def _markdown(result: dict, names: list[str]) -> str:
    lines = [f"# Tracking results ({result['date']})", "",
             (f"Protocol `{result['protocol']}` (rules in tracking.json). Device: "
              f"{result['device']}, torch {result['torch']}. {result['fps_note']}."),
             (f"Total wall time {result['wall_time_s']:.1f} s (scoring "
              f"{result['scoring_wall_time_s']:.1f} s). {result['training_note']}."), ""]
    for metric, title in (("auc", "Success AUC"), ("precision", "Precision @ 20 px"),
                          ("norm_precision", "Normalised precision @ 0.2")):
        lines += [f"## {title}", "",
                  "| tracker | " + " | ".join(names) + " | mean OTB-5 | mean all |",
                  "|---|" + "---|" * (len(names) + 2)]
        for row in result["rows"]:
            cells = [f"{row['sequences'][n][metric]:.3f}" if n in row["sequences"] else "–"
                     for n in names]
            otb = f"{row['mean_otb5'][metric]:.3f}" if row["mean_otb5"] else "–"
            covered = row["mean"]["sequences"]
            mean = f"{row['mean'][metric]:.3f}" if covered == len(names) else \
                f"– ({covered} seq.)"
            lines.append(f"| {row['name']} | " + " | ".join(cells) + f" | {otb} | {mean} |")
        lines.append("")
    lines += ["## Speed", "", "| tracker | fps | fps with decoding | wall time (s) |",
              "|---|---|---|---|"]
    for row in result["rows"]:
        fps = f"{row['fps']:.1f}" if row["fps"] is not None else "not measured"
        fps_dec = f"{row['fps_with_decoding']:.1f}" if row["fps_with_decoding"] else "–"
        lines.append(f"| {row['name']} | {fps} | {fps_dec} | {row['wall_time_s']:.2f} |")
    seeded = [row for row in result["rows"] if "seeds" in row]
    if seeded:
        header = ("| tracker | mean AUC per seed (all sequences) | std | mean OTB-5 AUC per seed "
                  "| std | synthetic-clip AUC per seed | training wall time per seed (s) |")
        lines += ["", "## Seeds", "", header, "|---|---|---|---|---|---|---|"]
        for row in seeded:
            seeds = row["seeds"]
            otb_std = seeds["mean_otb5_auc_std"]
            synthetic = [run["synthetic_auc"] for run in seeds["runs"]]
            trained = [run["benchmark_wall_time_s"] for run in seeds["runs"]]
            lines.append(
                f"| {row['name']} | {', '.join(f'{v:.3f}' for v in seeds['mean_auc'])} "
                f"| {seeds['mean_auc_std']:.3f} "
                f"| {', '.join(f'{v:.3f}' for v in seeds['mean_otb5_auc'])} "
                f"| {'–' if otb_std is None else f'{otb_std:.3f}'} "
                f"| {', '.join('–' if v is None else f'{v:.3f}' for v in synthetic)} "
                f"| {', '.join('–' if v is None else f'{v:.0f}' for v in trained)} |")
    lines += _tre_markdown(result["rows"], names)
    if "figure" in result:
        lines += ["", f"Frame strip: `{result['figure']}`."]
    return "\n".join(lines) + "\n"


def _tre_markdown(rows: list[dict], names: list[str]) -> list[str]:
    """The TRE table (rows scored with ``--tre``): success AUC pooled over 20 starts."""
    scored = [row for row in rows if "tre" in row]
    if not scored:
        return []
    lines = ["", "## Temporal robustness (TRE): success AUC over 20 starts per sequence", "",
             ("Each sequence is tracked from 20 starting frames (OTB's rule: spread over the "
              "frames with a valid box, the last leaving at least 20 frames), each run started "
              "on that frame's ground truth; a sequence's success curve pools the frames of its "
              "runs. ± is the std over seeds of the mean."), "",
             "| tracker | " + " | ".join(names) + " | mean OTB-5 | mean all | frames tracked |",
             "|---|" + "---|" * (len(names) + 3)]
    for row in scored:
        tre = row["tre"]
        spread = ("", "") if "mean_auc_std" not in tre else (
            f" ± {tre['mean_otb5_auc_std']:.3f}", f" ± {tre['mean_auc_std']:.3f}")
        cells = [f"{tre['auc'][n]:.3f}" if n in tre["auc"] else "–" for n in names]
        otb = "–" if tre["mean_otb5_auc"] is None else f"{tre['mean_otb5_auc']:.3f}{spread[0]}"
        lines.append(f"| {row['name']} | " + " | ".join(cells) +
                     f" | {otb} | {tre['mean_auc']:.3f}{spread[1]} | {tre['tracked_frames']} |")
    return lines


if __name__ == "__main__":
    main()
