"""Reading and writing box text files: one box per line, tab / comma / space separated."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import numpy as np

from cyclekit.atomic import atomic_write_text
from cyclekit.errors import DataError

_SEPARATORS = re.compile(r"[,\t ;]+")


def read_box_lines(path: str | Path, widths: tuple[int, ...] = (4,)) -> np.ndarray:
    """Rows of numbers from ``path``; every line has one of ``widths`` values (trailing blank
    lines are ignored, a blank line between boxes is an error).

    Accepts tab, comma, semicolon or space separators, mixed freely (OTB files use all three),
    any line endings (LF, CRLF, CR) and a byte-order mark (UTF-8 or UTF-16, as
    Windows editors write them); ``nan`` / ``NaN`` are read as NaN. Returns an (N, width)
    float64 array.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"missing box file {path}")
    rows: list[list[float]] = []
    lines = read_text_file(path).splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    for number, line in enumerate(lines, start=1):
        fields = [f for f in _SEPARATORS.split(line.strip()) if f]
        try:
            values = [float(f) for f in fields]
        except ValueError:
            raise DataError(f"{path}:{number}: not a list of numbers: {line.strip()!r}") from None
        if len(values) not in widths:
            expected = " or ".join(str(w) for w in widths)
            raise DataError(f"{path}:{number}: expected {expected} numbers, found {len(values)}")
        if rows and len(values) != len(rows[0]):
            raise DataError(f"{path}:{number}: {len(values)} numbers, but line 1 has {len(rows[0])}")
        rows.append(values)
    if not rows:
        raise DataError(f"box file {path} is empty")
    return np.asarray(rows, dtype=np.float64)


def read_text_file(path: str | Path) -> str:
    """The text of a small annotation file (box lists, ``cfg.json``, ``attrs.txt``).

    UTF-8 with or without a byte-order mark, or UTF-16 with one; anything else is a DataError
    naming the file (never a UnicodeDecodeError).
    """
    path = Path(path)
    data = path.read_bytes()
    encoding = "utf-16" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise DataError(f"{path} is not a text file in UTF-8 (byte {error.start}: "
                        f"{error.reason})") from None


def write_boxes(path: str | Path, boxes: np.ndarray) -> Path:
    """Write ``x,y,w,h`` lines (comma separated, 4 decimals) atomically."""
    boxes = np.asarray(boxes, dtype=np.float64)
    text = "".join(",".join(f"{v:.4f}" for v in box) + "\n" for box in boxes)
    return atomic_write_text(path, text)
