"""Running a study the documented way, ``python -m benchmarks NAME ARGS``, in a subprocess."""

from __future__ import annotations

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
