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
from cyclekit.tracking.sequences.box_text import read_text_file
from cyclekit.tracking.sequences.sequence import Sequence, settle_count_mismatch
from cyclekit.tracking.sequences.vot import polygons_to_boxes


def load_pysot_json(path: str | Path, root: str | Path | None = None, origin: int = 1,
                    vot_conversion: str = "pysot", truncate: bool = False) -> list[Sequence]:
    """All videos of a pysot dataset JSON, in the file's order.

    A video whose ``img_names`` and ``gt_rect`` differ in length is an error, unless
    ``truncate=True`` keeps the first min of both (said in a CyclekitWarning).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"missing dataset JSON {path}")
    try:
        meta = json.loads(read_text_file(path))
    except json.JSONDecodeError as error:
        raise DataError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(meta, dict) or not meta:
        raise DataError(f"{path}: expected a non-empty mapping of video name -> video entry")
    root = Path(root) if root is not None else path.parent
    return [_video(path, root, name, entry, origin, vot_conversion, truncate)
            for name, entry in meta.items()]


def _video(path: Path, root: Path, name: str, entry: dict, origin: int,
           vot_conversion: str, truncate: bool) -> Sequence:
    if not isinstance(entry, dict):
        raise DataError(f"{path}: video {name!r} is not a mapping of video_dir, img_names, ...")
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
    absent = None
    if "absent" in entry:
        absent = np.asarray(entry["absent"], np.int64) == 0
    if len(frames) != len(boxes):
        counts = f"{path}: video {name!r} has {len(frames)} img_names but {len(boxes)} gt_rect rows"
        kept = min(len(frames), len(boxes))
        settle_count_mismatch(counts, kept, truncate, fix="fix the file")
        frames, boxes = frames[:kept], boxes[:kept]
        absent = None if absent is None else absent[:kept]
    return Sequence(name=name, frames=frames, boxes=boxes, origin=origin, absent=absent,
                    source=f"pysot-json:{path}", attributes=tuple(entry.get("attr", ())))
