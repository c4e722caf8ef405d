"""What a run folder holds, and the start-over rule for one that holds no checkpoint.

A run killed before its first checkpoint leaves ``config.yaml``, ``metrics.jsonl``,
TensorBoard files, perhaps samples, and possibly the temporary file of an atomic write it was
in the middle of (``.config.yaml.<pid>.<hex>.tmp``, ``checkpoints/.step_0000500.<random>.tmp/``).
Nothing in it can be resumed, and nothing in it is lost by training again from step 0, so:

* ``--resume`` of a run folder (it has a ``config.yaml``) without a step checkpoint starts the
  run over from step 0, with a warning and a ``start_over`` event in ``metrics.jsonl``;
* a plain start of such a folder does the same with the config it is given (which replaces
  the folder's ``config.yaml``), as long as the folder holds nothing but files cyclekit writes
  into a run (:data:`RUN_ENTRIES`); anything else in it is someone else's and the start is
  refused;
* in both, stray temporary files of an interrupted atomic write are removed; they are
  matched exactly (the names :mod:`cyclekit.atomic` gives them, around the names of files
  cyclekit writes there, and never those of a process that is still running). Nothing else is
  ever deleted.

A folder that holds a step checkpoint (or a finished run's ``metrics.json``) is a run: a plain
start refuses it and ``--resume`` continues it.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from cyclekit.engine.checkpoint import latest_checkpoint

# What cyclekit writes at the top of a run folder (files, then folders).
RUN_FILES = ("config.yaml", "metrics.jsonl", "metrics.json", "report.html", "curves.png")
RUN_FOLDERS = ("checkpoints", "samples", "tensorboard")
RUN_ENTRIES = RUN_FILES + RUN_FOLDERS
# The names cyclekit's atomic writers write in each folder of a run (temporary files are
# these names wrapped as below).
_WRITTEN = {
    ".": re.compile(r"^(?:config\.yaml|metrics\.jsonl|metrics\.json|report\.html|curves\.png)$"),
    "checkpoints": re.compile(r"^(?:LATEST|best|step_\d+)$"),
    "samples": re.compile(r"^(?:final|step_\d+)\.png$"),
}
# atomic_output: ``.NAME.<pid>.<8 hex>.tmp`` (a file); atomic_write_dir: tempfile.mkdtemp's
# ``.NAME.<8 of [a-z0-9_]>.tmp`` (a folder).
_TEMP_FILE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp$")
_TEMP_DIR = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")


@dataclass
class RunFolder:
    """What ``path`` holds, as far as starting or resuming a run there is concerned."""

    path: Path
    checkpoint: Path | None  # the step checkpoint a resume continues from
    has_config: bool
    finished: bool  # metrics.json is there
    foreign: list[str]  # top-level entries cyclekit does not write into a run
    started: bool  # holds logs or outputs of training (more than a config.yaml)
    stray: list[Path]  # temporary files of interrupted atomic writes


def inspect_run_folder(path: Path) -> RunFolder:
    path = Path(path)
    stray = stray_temp_files(path)
    entries = ([entry for entry in path.iterdir() if entry not in stray]
               if path.is_dir() else [])
    names = {entry.name for entry in entries}
    return RunFolder(
        path=path, checkpoint=latest_checkpoint(path / "checkpoints"),
        has_config=(path / "config.yaml").is_file(), finished=(path / "metrics.json").is_file(),
        foreign=sorted(names - set(RUN_ENTRIES)), started=bool(names - {"config.yaml"}),
        stray=stray)


def stray_temp_files(run_dir: Path) -> list[Path]:
    """Temporary files and folders of interrupted atomic writes in ``run_dir`` and its
    ``checkpoints`` and ``samples`` folders (none of a process still running)."""
    found = []
    for folder, written in _WRITTEN.items():
        where = Path(run_dir) / folder
        if not where.is_dir():
            continue
        for entry in where.iterdir():
            file_match = _TEMP_FILE.match(entry.name)
            if (file_match and written.match(file_match.group("name")) and entry.is_file()
                    and not entry.is_symlink() and not _alive(int(file_match.group("pid")))):
                found.append(entry)
                continue
            dir_match = _TEMP_DIR.match(entry.name)
            if (dir_match and folder == "checkpoints" and written.match(dir_match.group("name"))
                    and entry.is_dir() and not entry.is_symlink()):
                found.append(entry)
    return sorted(found)


def remove_stray(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    """Whether another running process has that id (its write may be under way)."""
    if pid == os.getpid() or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OverflowError:
        return False
    except PermissionError:
        return True  # a process we may not signal is still a process
    return True
