"""The benchmarks' one result writer: ``NAME.json`` (every run or repetition with its method,
strategy, config, data, seeds, metric protocol, checkpoint rule, device and wall time) and the
Markdown table drawn from that JSON, ``NAME.md``, both written atomically.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path

from cyclekit.atomic import atomic_output, atomic_write_text


def utc_now() -> str:
    """Now, UTC, to the second (ISO 8601): a result's ``date``."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def stamp(benchmark: str) -> dict:
    """The head of a result: ``{"benchmark": benchmark, "date": now}``."""
    return {"benchmark": benchmark, "date": utc_now()}


def cpu_name() -> str:
    """The processor's name, or the machine's architecture where Python knows no name."""
    return platform.processor() or platform.machine()


def cpu_cores() -> str:
    """``cpu (NAME, N cores, VECTOR ISA)``: this CPU, its cores and the vector instructions
    PyTorch dispatches to (e.g. AVX2 or AVX512)."""
    import torch

    return (f"cpu ({cpu_name()}, {os.cpu_count()} cores, "
            f"{torch.backends.cpu.get_cpu_capability()})")


def spread(values: list[float]) -> dict:
    """Mean, std (0 for one value), median and count."""
    return {"mean": statistics.fmean(values),
            "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            "median": statistics.median(values), "n": len(values)}


def whole_call(result: dict, key: str = "wall_s") -> str:
    """The sentence of a report that gives the wall time of the whole call (``result[key]``)."""
    return f"Wall time of the whole call: {result[key]:.0f} s."


def summarize_by(runs: list[dict], group: str, keys: Iterable[str],
                 value: Callable[[dict, str], float | None],
                 stats: Callable[[list[float]], dict] = spread) -> dict:
    """``{run[group]: {key: stats(values)}}``: per group of runs (in order of appearance), the
    statistics of ``value(run, key)`` over its runs for every key that has a value."""
    summary: dict = {}
    for name in dict.fromkeys(run[group] for run in runs):
        chosen = [run for run in runs if run[group] == name]
        summary[name] = {}
        for key in keys:
            values = [v for v in (value(run, key) for run in chosen) if v is not None]
            if values:
                summary[name][key] = stats(values)
    return summary


def table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> list[str]:
    """A Markdown table's lines: the header, its rule, then one line per row."""
    header = list(header)
    return [f"| {' | '.join(header)} |", "|" + "---|" * len(header),
            *(f"| {' | '.join(str(cell) for cell in row)} |" for row in rows)]


def read_result(out: Path, stem: str) -> dict:
    """The result a study wrote earlier: ``out/stem.json``."""
    return json.loads((out / f"{stem}.json").read_text())


def report(title: str, date: str, *blocks: str | list[str]) -> str:
    """A Markdown report: ``# TITLE (DATE)``, then every block (a paragraph, or a table's
    lines) after a blank line."""
    lines = [f"# {title} ({date})"]
    for block in blocks:
        lines += ["", *([block] if isinstance(block, str) else block)]
    return "\n".join(lines) + "\n"


def write_json(path: Path, data: dict, indent: int = 2) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(data, indent=indent) + "\n")


def write_markdown(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)


def write_result(out: Path, stem: str, result: dict, markdown: str | None = None,
                 indent: int = 2, echo: bool = False) -> None:
    """``out/stem.json`` and, given its Markdown, ``out/stem.md`` (printed too with ``echo``)."""
    write_json(out / f"{stem}.json", result, indent)
    if markdown is not None:
        write_markdown(out / f"{stem}.md", markdown)
        if echo:
            print(markdown)


def save_figure(figure, path: Path, dpi: float | None = None) -> Path:
    """A Matplotlib ``figure`` as a PNG at ``path`` (written atomically), then closed."""
    import matplotlib.pyplot as plt

    with atomic_output(path) as tmp:
        figure.savefig(tmp, format="png", dpi=dpi)
    plt.close(figure)
    return path
