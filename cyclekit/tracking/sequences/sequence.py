"""One tracking sequence: frame paths and one ground-truth box per frame.

Box convention: ``x, y, w, h`` with (x, y) the top-left corner, in the coordinates of the
benchmark the sequence comes from, unchanged, so that result files and metrics agree with that
benchmark's own toolkit. ``origin`` says which number the top-left image pixel has in those
coordinates: 1 for OTB (its ``groundtruth_rect.txt`` is 1-based, as are published OTB results)
and for pysot-style JSON of OTB, 0 for VOT regions. Trackers never see this: the runner
(``cyclekit.tracking.runner``) hands them 0-based boxes and converts their answers back.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from cyclekit.errors import CyclekitWarning, DataError


@dataclass(frozen=True, eq=False)
class Sequence:
    """A sequence of ``len(frames)`` frames, each with one GT box (NaN where unannotated).

    ``absent`` marks frames the dataset itself flags as "target not visible" (LaSOT's
    ``absent`` / GOT-10k's zero ``cover``); OTB and VOT have no such flags (all False).
    """

    name: str
    frames: tuple[Path, ...]
    boxes: np.ndarray
    origin: int = 1
    absent: np.ndarray | None = None
    source: str = ""
    attributes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        boxes = np.asarray(self.boxes, dtype=np.float64)
        if boxes.ndim != 2 or boxes.shape[1] != 4:
            raise DataError(f"sequence {self.name}: boxes must be N x 4 (x,y,w,h), "
                            f"got shape {boxes.shape}")
        if len(boxes) != len(self.frames):
            raise DataError(f"sequence {self.name}: {len(self.frames)} frames but "
                            f"{len(boxes)} ground-truth boxes")
        if len(boxes) == 0:
            raise DataError(f"sequence {self.name} has no frames")
        absent = np.zeros(len(boxes), bool) if self.absent is None else np.asarray(self.absent, bool)
        if absent.shape != (len(boxes),):
            raise DataError(f"sequence {self.name}: {len(absent)} absent flags for "
                            f"{len(boxes)} frames")
        if self.origin not in (0, 1):
            raise DataError(f"sequence {self.name}: origin must be 0 or 1, got {self.origin}")
        object.__setattr__(self, "boxes", boxes)
        object.__setattr__(self, "absent", absent)
        object.__setattr__(self, "frames", tuple(Path(p) for p in self.frames))

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def valid(self) -> np.ndarray:
        """Per-frame validity: an annotated, visible box of positive width and height."""
        finite = np.isfinite(self.boxes).all(axis=1)
        with np.errstate(invalid="ignore"):
            positive = (self.boxes[:, 2] > 0) & (self.boxes[:, 3] > 0)
        return finite & positive & ~self.absent

    @property
    def init_box(self) -> np.ndarray:
        """The box a one-pass run starts from: the first frame's ground truth."""
        if not self.valid[0]:
            raise DataError(f"sequence {self.name}: the first frame has no valid ground-truth "
                            f"box ({self.boxes[0].tolist()}); a one-pass run cannot start")
        return self.boxes[0].copy()

    def image_size(self) -> tuple[int, int]:
        """(width, height) of the first frame, read from its header only."""
        try:
            with Image.open(self.frames[0]) as image:
                return image.size
        except OSError as error:
            raise DataError(f"sequence {self.name}: cannot read frame {self.frames[0]}: "
                            f"{error}") from error

    def read_frame(self, index: int) -> np.ndarray:
        """Frame ``index`` as an (H, W, 3) uint8 RGB array."""
        path = self.frames[index]
        try:
            with Image.open(path) as image:
                return np.asarray(image.convert("RGB"))
        except OSError as error:
            raise DataError(f"sequence {self.name}: cannot read frame {path}: {error}") from error


def settle_count_mismatch(counts: str, kept: int, truncate: bool,
                          fix: str = "fix the files") -> None:
    """Ground truth and frames differ in count (``counts`` says how): a DataError, or with
    ``truncate`` a CyclekitWarning that the first ``kept`` of both are kept (the caller keeps
    them)."""
    if not truncate:
        raise DataError(f"{counts}; {fix} or pass --truncate (truncate=True) to keep the first "
                        f"{kept} of both")
    warnings.warn(f"{counts}; kept the first {kept} of both (--truncate)", CyclekitWarning,
                  stacklevel=3)
