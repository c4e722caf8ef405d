"""OTB sequence folders: ``img/`` frames plus ``groundtruth_rect.txt`` (1-based ``x y w h``).

The GT file has one line per annotated frame, separated by tabs, commas or spaces. Line i
belongs to frame ``start + i - 1``; ``start`` and the last frame come from, in order:

1. ``cfg.json`` (the OTB benchmark's ``startFrame`` / ``endFrame``), when present;
2. the OTB benchmark's own ranges for sequences whose GT covers only part of ``img/``
   (David 300-770, Football1 1-74, Freeman3 1-460, Freeman4 1-283, Diving 1-215), when
   those frame numbers are in ``img/``;
3. otherwise the smallest frame number in ``img/`` (so a folder holding only David's frames
   0300-0770 maps line i to frame 0299 + i).

Frames after the last GT line (Football1 75-81, Diving 216-231) are outside the benchmark
and are not part of the sequence.
"""

from __future__ import annotations

import json
from pathlib import Path

from cyclekit.errors import DataError
from cyclekit.tracking.sequences.box_text import read_box_lines
from cyclekit.tracking.sequences.frames import frame_number, numbered_frames
from cyclekit.tracking.sequences.sequence import Sequence

OTB_FRAME_RANGES = {"David": (300, 770), "Football1": (1, 74), "Freeman3": (1, 460),
                    "Freeman4": (1, 283), "Diving": (1, 215)}


def load_otb(folder: str | Path) -> Sequence:
    """The OTB sequence in ``folder`` (named after the folder)."""
    folder = Path(folder)
    gt_file = folder / "groundtruth_rect.txt"
    if not gt_file.is_file():
        raise DataError(f"{folder} is not an OTB sequence: no groundtruth_rect.txt in it")
    boxes = read_box_lines(gt_file, widths=(4,))
    by_number = {frame_number(p): p for p in numbered_frames(folder / "img")}
    config = _read_cfg(folder)
    start = _start_frame(folder.name, config, by_number, len(boxes))
    numbers = range(start, start + len(boxes))
    missing = [n for n in numbers if n not in by_number]
    if missing:
        raise DataError(f"{folder}: {len(boxes)} ground-truth lines need frames {start}-"
                        f"{numbers[-1]}, but frame {missing[0]} is not in {folder / 'img'}")
    attributes = tuple(config.get("attributes", ())) or _read_attrs(folder)
    return Sequence(name=folder.name, frames=tuple(by_number[n] for n in numbers), boxes=boxes,
                    origin=1, source=f"otb:{folder} (frames {start}-{numbers[-1]})",
                    attributes=attributes)


def _read_cfg(folder: Path) -> dict:
    path = folder / "cfg.json"
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise DataError(f"{path} is not valid JSON: {error}") from None


def _start_frame(name: str, config: dict, by_number: dict[int, Path], count: int) -> int:
    if "startFrame" in config:
        start, end = int(config["startFrame"]), int(config.get("endFrame", 0))
        if end and end - start + 1 != count:
            raise DataError(f"{name}: cfg.json says frames {start}-{end} ({end - start + 1}) "
                            f"but groundtruth_rect.txt has {count} lines")
        return start
    known = OTB_FRAME_RANGES.get(name)
    if known and known[1] - known[0] + 1 == count and known[0] in by_number:
        return known[0]
    return min(by_number)


def _read_attrs(folder: Path) -> tuple[str, ...]:
    path = folder / "attrs.txt"
    if not path.is_file():
        return ()
    return tuple(a.strip() for a in path.read_text().replace(",", " ").split() if a.strip())
