"""Find every tracking sequence under a folder (or in a pysot dataset JSON).

Nothing under the folder is dropped without a word: every folder that holds frame files is
either part of a loaded sequence or reported with the reason it is not (``scan_sequences``
returns those reasons, ``discover_sequences`` warns one CyclekitWarning line per folder and
stops with a DataError when no sequence at all is found). A sequence folder whose ground truth
is there but unreadable, or does not match its frames, is an error, not a skipped folder.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from cyclekit.errors import CyclekitWarning, DataError
from cyclekit.tracking.sequences.frames import find_entry, is_frame_file
from cyclekit.tracking.sequences.otb import (
    OTB_GROUNDTRUTH,
    TARGET_FILE,
    load_otb_targets,
    otb_groundtruth_files,
)
from cyclekit.tracking.sequences.pysot_json import load_pysot_json
from cyclekit.tracking.sequences.sequence import Sequence
from cyclekit.tracking.sequences.vot import VOT_GROUNDTRUTH, load_vot

FRAME_FOLDER_NAMES = ("img", "imgs", "color")


@dataclass(frozen=True)
class Skipped:
    """A folder of frames that is not a sequence, and why."""

    folder: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.folder}: {self.reason}"


def is_sequence_folder(folder: str | Path) -> bool:
    """Whether ``folder`` holds OTB or VOT ground truth (in any letter case)."""
    folder = Path(folder)
    return bool(otb_groundtruth_files(folder)) or find_entry(folder, VOT_GROUNDTRUTH) is not None


def load_sequences(folder: str | Path, vot_conversion: str = "pysot",
                   truncate: bool = False) -> list[Sequence]:
    """The sequences of one folder: its OTB targets (usually one; ``groundtruth_rect.1.txt``,
    ``.2.txt`` -> ``NAME-1``, ``NAME-2``) or its VOT sequence."""
    folder = Path(folder)
    if otb_groundtruth_files(folder):
        return load_otb_targets(folder, truncate)
    if find_entry(folder, VOT_GROUNDTRUTH) is not None:
        return [load_vot(folder, vot_conversion, truncate)]
    raise DataError(f"{folder} is not a sequence folder: it has neither {OTB_GROUNDTRUTH} "
                    f"(OTB) nor {VOT_GROUNDTRUTH} (VOT)")


def load_sequence(folder: str | Path, vot_conversion: str = "pysot",
                  truncate: bool = False) -> Sequence:
    """One OTB (``groundtruth_rect.txt``) or VOT (``groundtruth.txt``) sequence folder."""
    sequences = load_sequences(folder, vot_conversion, truncate)
    if len(sequences) > 1:
        raise DataError(f"{folder} holds {len(sequences)} targets "
                        f"({', '.join(s.name for s in sequences)}); load them with "
                        f"load_sequences or discover_sequences")
    return sequences[0]


def check_sequence_path(path: str | Path) -> Path:
    """``path`` when it can hold sequences (a folder, or a ``.json`` file); else DataError."""
    path = Path(path)
    try:
        is_file, is_dir = path.is_file(), path.is_dir()
    except OSError as error:  # a name too long, a folder that may not be read
        raise DataError(f"{path} cannot be read as a sequence folder or dataset JSON: "
                        f"{error.strerror}") from None
    if is_file and path.suffix.lower() != ".json":
        raise DataError(f"{path} is a file, not a sequence folder or a pysot dataset JSON "
                        f"(.json)")
    if not is_file and not is_dir:
        raise DataError(f"no such sequence folder or dataset JSON: {path}")
    return path


def scan_sequences(path: str | Path, vot_conversion: str = "pysot", truncate: bool = False,
                   ) -> tuple[list[Sequence], list[Skipped]]:
    """(sequences sorted by name, folders of frames that are not sequences) under ``path``: a
    pysot JSON file, one sequence folder, or a tree of them at any depth. Names must be
    unique."""
    path = check_sequence_path(path)
    if path.is_file():
        return load_pysot_json(path, vot_conversion=vot_conversion, truncate=truncate), []
    sequences: list[Sequence] = []
    covered: set[Path] = set()
    frame_folders: list[tuple[Path, int]] = []
    for top, dirs, files in os.walk(path):
        dirs.sort()
        folder = Path(top)
        if _names_groundtruth(files) and is_sequence_folder(folder):
            sequences += load_sequences(folder, vot_conversion, truncate)
            covered.add(folder)
        count = sum(1 for f in files if is_frame_file(folder / f))
        if count:
            frame_folders.append((folder, count))
    skipped = []
    for folder, count in frame_folders:
        owner = folder.parent if folder.name.lower() in FRAME_FOLDER_NAMES else folder
        if owner in covered or folder in covered:
            continue
        skipped.append(Skipped(owner, _no_groundtruth(owner, folder, count)))
    names = [s.name for s in sequences]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise DataError(f"sequence names {duplicates} occur more than once under {path}")
    return sorted(sequences, key=lambda s: s.name), skipped


def discover_sequences(path: str | Path, vot_conversion: str = "pysot",
                       truncate: bool = False) -> list[Sequence]:
    """Sequences in ``path`` (see ``scan_sequences``), sorted by name; each folder of frames
    that is not a sequence is named with its reason in a CyclekitWarning, and a DataError says
    why when there is no sequence at all."""
    sequences, skipped = scan_sequences(path, vot_conversion, truncate)
    if not sequences:
        if not skipped:
            raise DataError(f"no tracking sequences under {path} (no {OTB_GROUNDTRUTH} or "
                            f"{VOT_GROUNDTRUTH} found, and no frames)")
        more = f" (and {len(skipped) - 1} more such folders)" if len(skipped) > 1 else ""
        raise DataError(f"no tracking sequences under {path}: {skipped[0]}{more}; frames "
                        f"without ground truth can train CycleTrack (data.frame_folders) but "
                        f"not score a tracker")
    for folder in skipped:
        warnings.warn(f"not a tracking sequence, skipped: {folder}", CyclekitWarning,
                      stacklevel=2)
    return sequences


def _names_groundtruth(files: list[str]) -> bool:
    names = {f.lower() for f in files}
    return (OTB_GROUNDTRUTH in names or VOT_GROUNDTRUTH in names
            or any(TARGET_FILE.fullmatch(name) for name in names))


def _no_groundtruth(owner: Path, folder: Path, count: int) -> str:
    if owner != folder and is_sequence_folder(owner):  # a frame folder given on its own
        return (f"it holds {count} frames of the sequence {owner}; pass that folder, not its "
                f"{folder.name}/")
    where = f"{count} frames in {folder.name}/" if owner != folder else f"{count} frames"
    reason = (f"{where} but no ground truth ({OTB_GROUNDTRUTH} for OTB, {VOT_GROUNDTRUTH} "
              f"for VOT)")
    texts = sorted(p.name for p in owner.iterdir() if p.suffix.lower() == ".txt")
    if texts:
        reason += f"; text files there: {', '.join(texts[:3])}{', ...' if len(texts) > 3 else ''}"
    return reason
