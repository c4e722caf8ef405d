"""Footage without ground truth: a folder of frame images or a video file, plus an ``--init`` box.

This is what ``cyclekit track run TRACKER VIDEO --init x,y,w,h --out boxes.txt`` tracks.

- A **frame folder** holds image files (``.jpg``, ``.jpeg``, ``.png``, ``.bmp``, any letter
  case; not macOS ``._`` files), or holds them in ``img/`` / ``color/`` / ``imgs/`` (the OTB
  and VOT layouts). They are ordered by the number in their names as sequence folders are
  (``frame2.png`` before ``frame10.png``; two files with the same number are an error), or by
  name when some name has no number. Every frame must have the first frame's size; this is
  checked from the file headers before tracking starts.
- A **video file** is decoded by PyAV (``cyclekit.tracking.video``).

The ``--init`` box follows the box files' convention (OTB, ``sequence.py``): ``x, y, w, h``
with (x, y) the top-left corner and the top-left image pixel numbered (1, 1). It must have
w, h > 0 and overlap the first frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from cyclekit.errors import ConfigError, DataError
from cyclekit.tracking.sequences.frames import (
    IMAGE_SUFFIXES,
    find_entry,
    is_frame_file,
    numbered_frames,
)

ORIGIN = 1  # the number of the top-left pixel in --init and in the written boxes
_FRAME_SUBFOLDERS = ("img", "color", "imgs")


class Footage:
    """Frames to track: ``name``, ``size`` (width, height), ``frames()`` yielding RGB arrays."""

    def __init__(self, name: str, size: tuple[int, int],
                 frames: Callable[[], Iterator[np.ndarray]]):
        self.name, self.size, self._frames = name, size, frames

    def frames(self) -> Iterator[np.ndarray]:
        return self._frames()


def open_footage(path: str | Path) -> Footage:
    """A frame folder or a video file, checked so that tracking it can start: DataError
    otherwise (a missing path, a folder without images, a file that is not a decodable
    video, frames of different sizes)."""
    path = Path(path)
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except OSError as error:  # a name too long
        raise DataError(f"{path} cannot be read ({error.strerror})") from None
    if not exists:
        raise DataError(f"no such frame folder or video file: {path}")
    if is_dir:
        return _frame_folder(path)
    from cyclekit.tracking.video import VideoFile

    video = VideoFile(path)
    return Footage(path.stem, video.size, video.frames)


def _frame_folder(folder: Path) -> Footage:
    own = [p for p in folder.iterdir() if is_frame_file(p)]
    if not own:
        for sub in _FRAME_SUBFOLDERS:
            found = find_entry(folder, sub, kind="dir")
            if found is not None and any(is_frame_file(p) for p in found.iterdir()):
                return _frame_folder_files(folder.name, found)
        raise DataError(f"no image files ({', '.join(IMAGE_SUFFIXES)}) in {folder} (nor in "
                        f"{'/, '.join(_FRAME_SUBFOLDERS)}/); give a folder of frame images "
                        f"or a video file")
    return _frame_folder_files(folder.name, folder)


def _frame_folder_files(name: str, folder: Path) -> Footage:
    files = [p for p in folder.iterdir() if is_frame_file(p)]
    if all(any(c.isdigit() for c in p.stem) for p in files):
        files = numbered_frames(folder)
    else:
        files = sorted(files, key=lambda p: p.name)
    size = None
    for path in files:
        try:
            with Image.open(path) as image:
                this = image.size
        except OSError as error:
            raise DataError(f"cannot read frame {path}: {_first_line(error)}") from None
        if size is None:
            size = this
        elif this != size:
            raise DataError(f"frame {path} is {this[0]}x{this[1]}, but {files[0].name} is "
                            f"{size[0]}x{size[1]}; the frames of a video share one size")

    def frames() -> Iterator[np.ndarray]:
        for path in files:
            try:
                with Image.open(path) as image:
                    yield np.asarray(image.convert("RGB"))
            except OSError as error:
                raise DataError(f"cannot read frame {path}: {_first_line(error)}") from None

    return Footage(name, size, frames)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def parse_init_box(text: str) -> np.ndarray:
    """``x,y,w,h`` (commas, or spaces / tabs / semicolons as in box files) as four floats;
    ConfigError for anything else or w, h <= 0."""
    fields = [f for f in text.replace(";", ",").replace("\t", ",").replace(" ", ",").split(",")
              if f]
    try:
        values = [float(f) for f in fields]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ConfigError(f"--init {text!r}: give the target's box as x,y,w,h (four numbers: "
                          f"top-left corner, 1-based pixels, then width and height)")
    if values[2] <= 0 or values[3] <= 0:
        raise ConfigError(f"--init {text!r}: width and height must be above 0")
    return np.asarray(values, dtype=np.float64)


def check_init_box(box: np.ndarray, size: tuple[int, int], text: str) -> None:
    """The 1-based ``box`` overlaps a frame of ``size`` (width, height); ConfigError if not."""
    width, height = size
    x, y = box[0] - ORIGIN, box[1] - ORIGIN
    if x >= width or y >= height or x + box[2] <= 0 or y + box[3] <= 0:
        raise ConfigError(f"--init {text}: the box lies outside the first frame "
                          f"({width}x{height} pixels, numbered from 1 at the top-left)")
