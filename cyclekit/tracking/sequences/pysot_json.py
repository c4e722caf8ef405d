"""pysot-style dataset JSON: ``{video: {video_dir, init_rect, img_names, gt_rect, attr[, absent]}}``.

``img_names`` are relative to the dataset root (the JSON's folder unless given), as in pysot's
``OTB100.json`` / ``LaSOT.json``. ``gt_rect`` rows are ``x, y, w, h`` or 8-number VOT polygons
(converted like ``cyclekit.tracking.sequences.vot``); ``absent`` (LaSOT) is 1 where the target is
*visible* in pysot's files, so absent frames are those with ``absent == 0``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from cyclekit.errors import DataError
from cyclekit.tracking.sequences.sequence import Sequence
from cyclekit.tracking.sequences.vot import polygons_to_boxes


def load_pysot_json(path: str | Path, root: str | Path | None = None, origin: int = 1,
                    vot_conversion: str = "pysot") -> list[Sequence]:
    """All videos of a pysot dataset JSON, in the file's order."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"missing dataset JSON {path}")
    try:
        meta = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise DataError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(meta, dict) or not meta:
        raise DataError(f"{path}: expected a non-empty mapping of video name -> video entry")
    root = Path(root) if root is not None else path.parent
    return [_video(path, root, name, entry, origin, vot_conversion) for name, entry in meta.items()]


def _video(path: Path, root: Path, name: str, entry: dict, origin: int,
           vot_conversion: str) -> Sequence:
    for key in ("img_names", "gt_rect"):
        if key not in entry:
            raise DataError(f"{path}: video {name!r} has no {key!r}")
    rows = entry["gt_rect"]
    widths = {len(r) for r in rows}
    if not widths <= {4, 8}:
        raise DataError(f"{path}: video {name!r} has gt_rect rows of {sorted(widths)} numbers; "
                        f"expected 4 (x,y,w,h) or 8 (polygon)")
    boxes = np.asarray([polygons_to_boxes(np.asarray([r], float), vot_conversion)[0]
                        for r in rows], dtype=np.float64).reshape(-1, 4)
    frames = tuple(root / n for n in entry["img_names"])
    if len(frames) != len(boxes):
        raise DataError(f"{path}: video {name!r} has {len(frames)} img_names but "
                        f"{len(boxes)} gt_rect rows")
    absent = None
    if "absent" in entry:
        absent = np.asarray(entry["absent"], np.int64) == 0
    return Sequence(name=name, frames=frames, boxes=boxes, origin=origin, absent=absent,
                    source=f"pysot-json:{path}", attributes=tuple(entry.get("attr", ())))
