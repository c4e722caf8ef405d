"""OTB sequence folders: ``img/`` frames plus ``groundtruth_rect.txt`` (1-based ``x y w h``).

The GT file has one line per annotated frame, separated by tabs, commas or spaces. Line i
belongs to frame ``start + i - 1``; ``start`` and the last frame come from, in order:

1. ``cfg.json`` (the OTB benchmark's ``startFrame`` / ``endFrame``), when present;
2. the OTB benchmark's own ranges for sequences whose GT covers only part of ``img/``
   (David 300-770, Football1 1-74, Freeman3 1-460, Freeman4 1-283, Diving 1-215), when
   those frame numbers are in ``img/``;
3. otherwise the smallest frame number in ``img/`` (so a folder holding only David's frames
   0300-0770 maps line i to frame 0299 + i).

Under 1 (with ``endFrame``) and 2 the frames outside the range (Football1 75-81, Diving
216-231) are outside the benchmark and not part of the sequence. Otherwise the frames from
``start`` on and the GT lines must be as many: when they are not, loading stops with both
counts, unless ``truncate=True`` (``cyclekit track ... --truncate``) asks to keep the first
``min(frames, lines)`` of both, which is then said in a CyclekitWarning.

Multi-target sequences (OTB's Jogging, Skating2, Human4) have ``groundtruth_rect.1.txt``,
``groundtruth_rect.2.txt``, ... instead: each is one sequence, named ``Jogging-1``,
``Jogging-2`` as OTB names them, over the same frames (``load_otb_targets``). File and folder
names are matched in any letter case (``groundtruth_rect.TXT``, ``IMG/``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from cyclekit.errors import DataError
from cyclekit.tracking.sequences.box_text import read_box_lines, read_text_file
from cyclekit.tracking.sequences.frames import find_entry, frame_number, numbered_frames
from cyclekit.tracking.sequences.sequence import Sequence, settle_count_mismatch

OTB_FRAME_RANGES = {"David": (300, 770), "Football1": (1, 74), "Freeman3": (1, 460),
                    "Freeman4": (1, 283), "Diving": (1, 215)}
OTB_GROUNDTRUTH = "groundtruth_rect.txt"
TARGET_FILE = re.compile(r"groundtruth_rect\.(\d+)\.txt", re.IGNORECASE)


def otb_groundtruth_files(folder: str | Path) -> list[tuple[str, Path]]:
    """``(sequence name, GT file)`` for each target in an OTB folder, [] when it has none:
    ``groundtruth_rect.txt`` -> the folder's name, ``groundtruth_rect.K.txt`` -> ``NAME-K``."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    single = find_entry(folder, OTB_GROUNDTRUTH)
    if single is not None:
        found.append((folder.name, single))
    targets: dict[int, list[Path]] = {}
    for path in folder.iterdir():
        match = TARGET_FILE.fullmatch(path.name)
        if match and path.is_file():
            targets.setdefault(int(match.group(1)), []).append(path)
    for number, paths in sorted(targets.items()):
        if len(paths) > 1:
            raise DataError(f"{folder}: {' and '.join(sorted(p.name for p in paths))} are the "
                            f"same target's ground truth; keep one")
        found.append((f"{folder.name}-{number}", paths[0]))
    return found


def load_otb_targets(folder: str | Path, truncate: bool = False) -> list[Sequence]:
    """Every target of the OTB folder ``folder`` (one for most sequences), in target order."""
    folder = Path(folder)
    files = otb_groundtruth_files(folder)
    if not files:
        raise DataError(f"{folder} is not an OTB sequence: no {OTB_GROUNDTRUTH} "
                        f"(or groundtruth_rect.1.txt, ... for several targets) in it")
    return [_load_target(folder, name, gt_file, truncate) for name, gt_file in files]


def load_otb(folder: str | Path, truncate: bool = False) -> Sequence:
    """The OTB sequence in ``folder`` (named after the folder); a folder of several targets
    is an error naming them (read those with ``load_otb_targets``)."""
    sequences = load_otb_targets(folder, truncate)
    if len(sequences) > 1:
        raise DataError(f"{folder} holds {len(sequences)} targets "
                        f"({', '.join(s.name for s in sequences)}); load them with "
                        f"load_otb_targets or discover_sequences")
    return sequences[0]


def _load_target(folder: Path, name: str, gt_file: Path, truncate: bool) -> Sequence:
    boxes = read_box_lines(gt_file, widths=(4,))
    image_dir = find_entry(folder, "img", kind="dir")
    if image_dir is None:
        raise DataError(f"{folder}: {gt_file.name} is there but the frame folder img/ is not")
    by_number = {frame_number(p): p for p in numbered_frames(image_dir)}
    config = _read_cfg(folder)
    start, declared = _start_frame(name, config, by_number, len(boxes))
    if not declared:
        boxes = _match_counts(name, gt_file, image_dir, by_number, start, boxes, truncate)
    numbers = range(start, start + len(boxes))
    missing = [n for n in numbers if n not in by_number]
    if missing:
        raise DataError(f"{folder}: {len(boxes)} ground-truth lines need frames {start}-"
                        f"{numbers[-1]}, but frame {missing[0]} is not in {image_dir} "
                        f"({len(missing)} of those {len(boxes)} frames are missing)")
    attributes = tuple(config.get("attributes", ())) or _read_attrs(folder)
    return Sequence(name=name, frames=tuple(by_number[n] for n in numbers), boxes=boxes,
                    origin=1, source=f"otb:{gt_file} (frames {start}-{numbers[-1]})",
                    attributes=attributes)


def _match_counts(name: str, gt_file: Path, image_dir: Path, by_number: dict[int, Path],
                  start: int, boxes: np.ndarray, truncate: bool) -> np.ndarray:
    """The boxes when the frames from ``start`` on are as many; else an error or (truncate)
    the first min(frames, boxes) of them, said in a warning."""
    frames = sum(1 for n in by_number if n >= start)
    if frames == len(boxes):
        return boxes
    where = f"{image_dir} has {frames} frames" + (f" from frame {start} on"
                                                   if start != min(by_number) else "")
    kept = min(frames, len(boxes))
    settle_count_mismatch(f"{name}: {gt_file.name} has {len(boxes)} boxes but {where}", kept,
                          truncate, fix="fix the files, give the range in cfg.json (startFrame, "
                                        "endFrame),")
    return boxes[:kept]


def _read_cfg(folder: Path) -> dict:
    path = find_entry(folder, "cfg.json")
    if path is None:
        return {}
    try:
        config = json.loads(read_text_file(path))
    except json.JSONDecodeError as error:
        raise DataError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(config, dict):
        raise DataError(f"{path}: expected a JSON object with startFrame / endFrame, "
                        f"found {type(config).__name__}")
    return config


def _start_frame(name: str, config: dict, by_number: dict[int, Path],
                 count: int) -> tuple[int, bool]:
    """(first frame, whether the range is declared: cfg.json's endFrame or OTB's own range)."""
    if "startFrame" in config:
        try:
            start, end = int(config["startFrame"]), int(config.get("endFrame") or 0)
        except (TypeError, ValueError):
            raise DataError(f"{name}: cfg.json startFrame / endFrame are not whole numbers: "
                            f"{config.get('startFrame')!r}, {config.get('endFrame')!r}") from None
        if end and end - start + 1 != count:
            raise DataError(f"{name}: cfg.json says frames {start}-{end} ({end - start + 1}) "
                            f"but the ground truth has {count} lines")
        return start, bool(end)
    known = OTB_FRAME_RANGES.get(name)
    if known and known[1] - known[0] + 1 == count and known[0] in by_number:
        return known[0], True
    return min(by_number), False


def _read_attrs(folder: Path) -> tuple[str, ...]:
    path = find_entry(folder, "attrs.txt")
    if path is None:
        return ()
    text = read_text_file(path)
    return tuple(a.strip() for a in text.replace(",", " ").split() if a.strip())
