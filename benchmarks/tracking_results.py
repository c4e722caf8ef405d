"""Score what can be tracked today on the real sequences: the published UDT boxes and the NCC
baseline, under one protocol (default ``pysot_otb``).

    python benchmarks/tracking_results.py [--data DIR] [--protocol pysot_otb] [--out DIR]

Sequences: every sequence under ``DIR/tracking`` (5 OTB + the VOT2015 bag; default data dir
``$CYCLEKIT_DATA`` or ../shared/data). One function per row family (``published_rows``,
``baseline_rows``); add trained CycleTrack runs as another family. Trackers run with one torch
thread; fps counts the time inside ``init`` / ``update`` (decoding excluded), and
``fps_with_decoding`` the whole loop. Writes ``benchmarks/results/tracking.{json,md}`` and the
frame strip ``docs/figures/tracking_<sequence>.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from cyclekit.core.atomic import atomic_write_text
from cyclekit.data.tracking import Sequence, discover_sequences, read_box_lines
from cyclekit.metrics.tracking import evaluate_sequences
from cyclekit.metrics.tracking_protocols import get_protocol
from cyclekit.track.evaluate import load_results
from cyclekit.track.runner import run_tracker
from cyclekit.track.trackers import BASELINES
from cyclekit.viz.tracking import save_frame_strip

REPO = Path(__file__).resolve().parents[1]
OTB = ("Couple", "Crossing", "David", "Diving", "Football1")
PUBLISHED = {"UDT": "peer_results/UDT"}  # row name -> boxes folder under the tracking data


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


def baseline_rows(sequences: list[Sequence], protocol: str, results_root: Path) -> list[dict]:
    """Each baseline tracker run one-pass on every sequence, then scored."""
    rows = []
    for name, factory in BASELINES.items():
        started = time.perf_counter()
        timing = run_tracker(factory, sequences, results_root / name)
        report = evaluate_sequences(protocol, sequences,
                                    load_results(results_root / name, sequences))
        rows.append(_row(name, "baseline", report, wall_time_s=time.perf_counter() - started,
                         fps=timing["fps"], fps_with_decoding=timing["fps_with_decoding"],
                         results=_shown(results_root / name),
                         note="fixed-template NCC, no training"))
    return rows


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = os.environ.get("CYCLEKIT_DATA") or REPO.parent / "shared" / "data"
    parser.add_argument("--data", type=Path, default=Path(default_data))
    parser.add_argument("--protocol", default="pysot_otb")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument("--runs", type=Path, default=REPO / "runs" / "tracking",
                        help="where tracker boxes are written (ignored by git)")
    parser.add_argument("--figure-sequence", default="David")
    args = parser.parse_args()
    torch.set_num_threads(1)

    started = time.perf_counter()
    tracking = args.data / "tracking"
    sequences = discover_sequences(tracking)
    rows = published_rows(tracking, sequences, args.protocol)
    rows += baseline_rows(sequences, args.protocol, args.runs)
    for row in rows:
        print(f"{row['name']}: mean AUC {row['mean']['auc']:.3f} over "
              f"{row['mean']['sequences']} sequences", flush=True)
    result = {
        "benchmark": "tracking", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "device": f"cpu ({platform.processor() or platform.machine()}, "
                  f"{torch.get_num_threads()} torch thread)",
        "torch": torch.__version__, "protocol": args.protocol,
        "rules": list(get_protocol(args.protocol).rules),
        "data": {s.name: {"frames": len(s), "source": s.source} for s in sequences},
        "fps_note": "fps: frames / seconds inside tracker init+update (image decoding "
                    "excluded); fps_with_decoding: the whole loop",
        "rows": rows, "wall_time_s": time.perf_counter() - started,
    }
    figure = _figure(sequences, rows, args.figure_sequence)
    if figure:
        result["figure"] = str(figure.relative_to(REPO))
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "tracking.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(args.out / "tracking.md", _markdown(result, [s.name for s in sequences]))


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
             f"Total wall time {result['wall_time_s']:.1f} s.", ""]
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
    if "figure" in result:
        lines += ["", f"Frame strip: `{result['figure']}`."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
