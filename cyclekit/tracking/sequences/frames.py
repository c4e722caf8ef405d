"""Frame files of a sequence folder, ordered by the number in their name.

A frame file is an image (``.jpg``, ``.jpeg``, ``.png``, ``.bmp``, in any letter case) whose
name does not start with ``._``: those are the resource forks macOS writes beside every file
on a foreign disk (``._0001.jpg``), not frames. Two frame files with the same number
(``0001.jpg`` and ``0001.png``) are an error naming both, never settled by directory order.
File and folder names of the layouts (``img/``, ``groundtruth_rect.txt``, ...) are matched
without regard to letter case (``find_entry``).
"""

from __future__ import annotations

import re
from pathlib import Path

from cyclekit.errors import DataError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
_NUMBER = re.compile(r"(\d+)")


def is_frame_file(path: Path) -> bool:
    """An image file by its suffix (any case), not a macOS ``._`` resource fork."""
    return (path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith("._")
            and path.is_file())


def frame_number(path: Path) -> int:
    """The last run of digits in the file's stem (``0300.jpg`` -> 300, ``img_00012.png`` -> 12)."""
    digits = _NUMBER.findall(path.stem)
    if not digits:
        raise DataError(f"frame file {path} has no frame number in its name")
    return int(digits[-1])


def numbered_frames(folder: Path) -> list[Path]:
    """Frame files in ``folder`` sorted by frame number; DataError when there are none or two
    share a number."""
    if not folder.is_dir():
        raise DataError(f"missing frame folder {folder}")
    frames = [p for p in folder.iterdir() if is_frame_file(p)]
    if not frames:
        raise DataError(f"no image files ({', '.join(IMAGE_SUFFIXES)}) in {folder}")
    by_number: dict[int, list[Path]] = {}
    for path in frames:
        by_number.setdefault(frame_number(path), []).append(path)
    for number, paths in sorted(by_number.items()):
        if len(paths) > 1:
            names = " and ".join(sorted(p.name for p in paths))
            raise DataError(f"{folder}: {names} both have frame number {number}; keep one of "
                            f"them (which one is the frame is not for cyclekit to guess)")
    return sorted(frames, key=frame_number)


def find_entry(folder: Path, name: str, kind: str = "file") -> Path | None:
    """The file (``kind="file"``) or folder (``"dir"``) in ``folder`` called ``name`` in any
    letter case (``groundtruth_rect.TXT``, ``IMG/``); None when there is none, DataError when
    several differ only in case."""
    if not folder.is_dir():
        return None
    wanted = name.lower()
    test = Path.is_file if kind == "file" else Path.is_dir
    found = sorted(p for p in folder.iterdir() if p.name.lower() == wanted and test(p))
    if len(found) > 1:
        raise DataError(f"{folder}: {' and '.join(p.name for p in found)} differ only in letter "
                        f"case; keep one")
    return found[0] if found else None
