"""The benchmarks' one launcher: a ``cyclekit`` command in a subprocess or a training run in
this process, timed; resumable runs; several runs at a time.

A run launched through ``run_resumable`` lives in its own folder: a finished one
(``metrics.json`` present) is not run again, a stopped one (``checkpoints/``) is resumed, and
the wall time of the subprocess goes to ``benchmark_wall_time_s.txt`` beside its metrics.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

WALL_TIME = "benchmark_wall_time_s.txt"


@dataclass(frozen=True)
class Launched:
    """A finished subprocess: its command, wall time (s), exit status and last stderr line."""

    command: list[str]
    seconds: float
    returncode: int
    last_error_line: str

    @property
    def failed(self) -> bool:
        return self.returncode != 0


def cyclekit_command(arguments: list[str], out: Path, overrides: Iterable[str] = (),
                     resume: bool = False) -> list[str]:
    """``python -m cyclekit.cli ARGUMENTS --out OUT --no-progress --set ... [--resume]``."""
    command = [sys.executable, "-m", "cyclekit.cli", *arguments, "--out", str(out),
               "--no-progress"]
    for item in overrides:
        command += ["--set", item]
    return [*command, "--resume"] if resume else command


def launch(arguments: list[str], out: Path, overrides: Iterable[str] = (),
           resume: bool = False) -> Launched:
    """Run ``cyclekit ARGUMENTS`` into ``out`` in a subprocess (output captured), timed."""
    command = cyclekit_command(arguments, out, overrides, resume)
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    errors = completed.stderr.strip().splitlines()
    return Launched(command, seconds, completed.returncode, errors[-1] if errors else "")


def run_resumable(arguments: list[str], out: Path, overrides: list[str], name: str | None = None,
                  done: str = "done") -> str:
    """``cyclekit <arguments> --out out`` in a subprocess unless ``out`` holds a finished run,
    with ``--resume`` when it holds a stopped one; its wall time goes to ``WALL_TIME``.
    Returns a line for the log (``name``: default the run's last three folders)."""
    name = name or f"{out.parent.parent.name}/{out.parent.name}/{out.name}"
    if (out / "metrics.json").is_file():
        return f"{name}: finished earlier"
    launched = launch(arguments, out, overrides, resume=(out / "checkpoints").is_dir())
    if launched.failed:
        return f"{name}: FAILED after {launched.seconds:.0f} s: {launched.last_error_line}"
    (out / WALL_TIME).write_text(f"{launched.seconds:.1f}\n")
    return f"{name}: {done} in {launched.seconds:.0f} s"


def run_preset(preset: Path, out: Path, seed: int, overrides: list[str]) -> str:
    """Train one preset for one seed unless it is finished; resume it when it was stopped."""
    return run_resumable(["train", str(preset), "--set", f"seed={seed}"], out, overrides)


def run_all(jobs: Iterable, run: Callable[..., str], parallel: int) -> None:
    """``run(job)`` for every job, ``parallel`` at a time, printing each returned line."""
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        for line in pool.map(run, jobs):
            print(line, flush=True)


def train_timed(config, out: Path) -> tuple[dict, float]:
    """Train ``config`` into ``out`` in this process: its metrics and wall time (s: loading,
    training and evaluation)."""
    from cyclekit.engine.trainer import train

    started = time.perf_counter()
    metrics = train(config, out, progress=False)
    return metrics, time.perf_counter() - started


def interleaved(timers: dict[str, Callable[[], float]], rounds: int, warmup: int = 0,
                ) -> dict[str, list[float]]:
    """Round after round, every timer in turn (A B A B ...), so a slow spell of the machine
    falls on all of them: ``{name: [seconds of each counted round]}``, the first ``warmup``
    rounds not counted."""
    times: dict[str, list[float]] = {name: [] for name in timers}
    for round_index in range(warmup + rounds):
        for name, timer in timers.items():
            seconds = timer()
            if round_index >= warmup:
                times[name].append(seconds)
    return times
