"""Score a folder of ``<sequence>.txt`` result files and write the report (JSON + Markdown)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from cyclekit.atomic import atomic_write_text
from cyclekit.errors import DataError
from cyclekit.tracking.sequences.box_text import read_box_lines
from cyclekit.tracking.sequences.sequence import Sequence
from cyclekit.tracking.success_precision import evaluate_sequences


def load_results(results_dir: str | Path, sequences: list[Sequence]) -> dict[str, np.ndarray]:
    """``<name>.txt`` (4 numbers a line, any separator) for every sequence."""
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise DataError(f"no results folder {results_dir}")
    boxes = {}
    for sequence in sequences:
        path = results_dir / f"{sequence.name}.txt"
        if not path.is_file():
            found = sorted(p.stem for p in results_dir.glob("*.txt"))
            raise DataError(f"no result file {path} for sequence {sequence.name}; "
                            f"results there: {', '.join(found) or 'none'}")
        boxes[sequence.name] = read_box_lines(path, widths=(4,))
    return boxes


def evaluate_results(results_dir: str | Path, sequences: list[Sequence], protocol: str) -> dict:
    """Scores of the results in ``results_dir`` on ``sequences`` under ``protocol``."""
    report = evaluate_sequences(protocol, sequences, load_results(results_dir, sequences))
    return {"results": str(results_dir), **report}


def markdown_table(report: dict) -> str:
    """Per-sequence and mean AUC / precision@20 / normalised precision@0.2 as Markdown."""
    lines = [f"Protocol `{report['protocol']}`.", "",
             "| sequence | frames | AUC | precision@20px | norm. precision@0.2 |",
             "|---|---|---|---|---|"]
    for name, row in report["sequences"].items():
        lines.append(f"| {name} | {row['frames']} | {row['auc']:.3f} | {row['precision']:.3f} "
                     f"| {row['norm_precision']:.3f} |")
    mean = report["mean"]
    lines.append(f"| **mean** ({mean['sequences']} sequences) | | **{mean['auc']:.3f}** | "
                 f"**{mean['precision']:.3f}** | **{mean['norm_precision']:.3f}** |")
    return "\n".join(lines) + "\n"


def write_report(report: dict, out: str | Path, title: str | None = None) -> tuple[Path, Path]:
    """``out`` as JSON and the same name with ``.md`` as Markdown (headed ``title``, by default
    the results folder), both atomically."""
    out = Path(out)
    json_path = out if out.suffix == ".json" else out.with_suffix(".json")
    atomic_write_text(json_path, json.dumps(report, indent=2) + "\n")
    md_path = json_path.with_suffix(".md")
    atomic_write_text(md_path, f"# Tracking results: {title or report['results']}\n\n"
                      + markdown_table(report))
    return json_path, md_path
