"""Running a study the documented way, ``python -m benchmarks NAME ARGS``, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def study_command(*args: object) -> list[str]:
    """``python -m benchmarks ARGS``: the first argument names the study (none: the list)."""
    return [sys.executable, "-m", "benchmarks", *map(str, args)]


def study_env(**extra: str) -> dict[str, str]:
    """This environment with the repository on ``PYTHONPATH`` (so a study runs from any
    folder) and ``extra`` on top."""
    path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return {**os.environ, "PYTHONPATH": path, **extra}


def run_study(*args: object, cwd: Path | None = None,
              timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m benchmarks ARGS``, its output captured; never raises on a failing study."""
    return subprocess.run(study_command(*args), capture_output=True, text=True,
                          timeout=timeout, env=study_env(), cwd=cwd, check=False)


# A paired comparison (``benchmarks/paired_steps.py``) at its smallest: one thread, two rounds.
PAIRED_SMALLEST = ("--set", "train.precision=32-true", "--threads", "1", "--rounds", "2",
                   "--warmup", "0", "--steps", "2", "--check-steps", "4")


def paired_row(out: Path, name: str) -> dict:
    """The one row of ``out/NAME.json`` written with ``PAIRED_SMALLEST``, checked: one thread,
    the two builds' weights identical after the check, two timed rounds of each."""
    (row,) = json.loads((out / f"{name}.json").read_text())["rows"]
    assert row["threads"] == 1 and row["max_weight_difference_after_check"] == 0.0
    assert all(len(samples) == 2 for samples in row["samples_s"].values())
    return row
