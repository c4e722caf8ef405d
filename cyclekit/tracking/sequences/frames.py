"""Frame files of a sequence folder, ordered by the number in their name."""

from __future__ import annotations

import re
from pathlib import Path

from cyclekit.errors import DataError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
_NUMBER = re.compile(r"(\d+)")


def frame_number(path: Path) -> int:
    """The last run of digits in the file's stem (``0300.jpg`` -> 300, ``img_00012.png`` -> 12)."""
    digits = _NUMBER.findall(path.stem)
    if not digits:
        raise DataError(f"frame file {path} has no frame number in its name")
    return int(digits[-1])


def numbered_frames(folder: Path) -> list[Path]:
    """Image files in ``folder`` sorted by frame number; DataError when there are none."""
    if not folder.is_dir():
        raise DataError(f"missing frame folder {folder}")
    frames = [p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
    if not frames:
        raise DataError(f"no image files ({', '.join(IMAGE_SUFFIXES)}) in {folder}")
    return sorted(frames, key=frame_number)
