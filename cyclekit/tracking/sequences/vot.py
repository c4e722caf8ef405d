"""VOT sequences: ``groundtruth.txt`` of rotated rectangles (8 numbers) -> axis-aligned boxes.

Two conversions of the polygon (x1,y1,...,x4,y4) to ``x, y, w, h``:

* ``"pysot"`` (default): the area-preserving box of pysot's ``get_axis_aligned_bbox``, the one
  VOT trackers are initialised with: centre = mean of the corners; the min/max box is scaled by
  s = sqrt(A1 / A2), A1 = |p1-p2| |p2-p3| the rotated rectangle's area, A2 the min/max box area;
  w = s (x_max - x_min) + 1, h = s (y_max - y_min) + 1; x = cx - (w - 1)/2, y = cy - (h - 1)/2.
* ``"minmax"``: the smallest axis-aligned box holding the four corners.

VOT coordinates are 0-based (``origin = 0``). Four-number lines are taken as ``x, y, w, h``.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np

from cyclekit.errors import ConfigError, DataError
from cyclekit.tracking.sequences.box_text import read_box_lines
from cyclekit.tracking.sequences.frames import find_entry, frame_number, numbered_frames
from cyclekit.tracking.sequences.sequence import Sequence, settle_count_mismatch

VOT_CONVERSIONS = ("pysot", "minmax")
VOT_GROUNDTRUTH = "groundtruth.txt"


def polygons_to_boxes(regions: np.ndarray, conversion: str = "pysot") -> np.ndarray:
    """(N, 8) corner lists -> (N, 4) ``x, y, w, h``; (N, 4) input is returned unchanged."""
    if conversion not in VOT_CONVERSIONS:
        raise ConfigError(f"unknown VOT box conversion {conversion!r}; choose one of "
                          f"{list(VOT_CONVERSIONS)}")
    regions = np.asarray(regions, dtype=np.float64)
    if regions.shape[1] == 4:
        return regions.copy()
    xs, ys = regions[:, 0::2], regions[:, 1::2]
    x_min, x_max = xs.min(axis=1), xs.max(axis=1)
    y_min, y_max = ys.min(axis=1), ys.max(axis=1)
    if conversion == "minmax":
        return np.stack([x_min, y_min, x_max - x_min, y_max - y_min], axis=1)
    cx, cy = xs.mean(axis=1), ys.mean(axis=1)
    side_a = np.linalg.norm(regions[:, 0:2] - regions[:, 2:4], axis=1)
    side_b = np.linalg.norm(regions[:, 2:4] - regions[:, 4:6], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.sqrt(side_a * side_b / ((x_max - x_min) * (y_max - y_min)))
    w = scale * (x_max - x_min) + 1
    h = scale * (y_max - y_min) + 1
    return np.stack([cx - (w - 1) / 2, cy - (h - 1) / 2, w, h], axis=1)


def load_vot(folder: str | Path, conversion: str = "pysot", truncate: bool = False) -> Sequence:
    """A VOT sequence folder: ``groundtruth.txt`` plus frames in ``color/``, ``imgs/``,
    ``img/`` or the folder itself (names in any letter case).

    Line i belongs to the i-th frame by number, so the frame numbers must have no gap, and
    frames and GT lines must be as many; otherwise DataError with both counts, unless
    ``truncate=True`` keeps the first min(frames, lines) of both (said in a CyclekitWarning).
    """
    folder = Path(folder)
    gt_file = find_entry(folder, VOT_GROUNDTRUTH)
    if gt_file is None:
        raise DataError(f"{folder} is not a VOT sequence: no {VOT_GROUNDTRUTH} in it")
    regions = read_box_lines(gt_file, widths=(4, 8))
    image_dir = next((d for d in (find_entry(folder, name, kind="dir")
                                  for name in ("color", "imgs", "img")) if d is not None), folder)
    frames = numbered_frames(image_dir)
    numbers = [frame_number(f) for f in frames]
    gaps = [n for n, m in pairwise(numbers) if m != n + 1]
    if gaps:  # line i belongs to the i-th frame only when no frame is missing
        raise DataError(f"{folder}: frame {gaps[0] + 1} is missing from {image_dir} (frames "
                        f"{numbers[0]}-{numbers[-1]}, {len(frames)} files), so the "
                        f"ground-truth lines after it cannot be matched to frames")
    if len(frames) != len(regions):
        kept = min(len(frames), len(regions))
        counts = (f"{folder}: {len(regions)} ground-truth lines but {len(frames)} frames in "
                  f"{image_dir}")
        settle_count_mismatch(counts, kept, truncate)
        frames, regions = frames[:kept], regions[:kept]
    return Sequence(name=folder.name, frames=tuple(frames),
                    boxes=polygons_to_boxes(regions, conversion), origin=0,
                    source=f"vot:{folder} ({conversion} boxes)")
