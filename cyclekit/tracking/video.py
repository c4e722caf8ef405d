"""Frames of a video file (mp4, avi, mkv, mov, webm, ...) decoded through PyAV.

PyAV (``pip install av``, or ``pip install 'cyclekit[video]'``) is optional: without it, asking
for a video file is one ``DataError`` line that names the package. Frames come out as
(H, W, 3) uint8 RGB arrays, one at a time (a long video is never held in memory whole).
``VideoFile(path)`` decodes the first frame at once, so a file that is not a video, has no
video stream, or cannot be decoded is refused before any tracking starts. A file that decodes
to fewer frames than its header declares (by more than one: a truncated or damaged file) is
refused when its end is reached: a DataError naming both counts, so no shorter box file is
written as if it were the whole video.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from cyclekit.errors import DataError

VIDEO_SUFFIXES = (".mp4", ".avi", ".mkv", ".mov", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv",
                  ".flv", ".gif")
_INSTALL = "pip install av (or pip install 'cyclekit[video]')"


def import_av():
    """The ``av`` module, or a one-line DataError saying how to install it."""
    try:
        import av
    except ImportError:
        raise DataError(f"reading video files needs PyAV, which is not installed: "
                        f"{_INSTALL}; or give a folder of frame images instead") from None
    return av


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


class VideoFile:
    """A video file's first video stream: ``size`` (width, height), ``frames()``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        av = import_av()
        try:
            with av.open(str(self.path)) as container:
                if not container.streams.video:
                    raise DataError(f"video file {self.path} has no video stream")
                first = next(self._decode(container), None)
        except DataError:
            raise
        except Exception as error:  # noqa: BLE001 - PyAV's errors (FFmpegError, ...) vary
            raise DataError(f"video file {self.path} cannot be decoded ({_reason(error)})"
                            ) from None
        if first is None:
            raise DataError(f"video file {self.path} has no frame that can be decoded")
        self.first_frame = first
        self.size = (first.shape[1], first.shape[0])

    @staticmethod
    def _decode(container) -> Iterator[np.ndarray]:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            yield frame.to_ndarray(format="rgb24")

    def frames(self) -> Iterator[np.ndarray]:
        """Every frame in order, as (H, W, 3) uint8 RGB; a frame that cannot be decoded, or one
        of another size than the first, is a DataError naming its number (1-based)."""
        av = import_av()
        number = declared = 0
        try:
            with av.open(str(self.path)) as container:
                declared = container.streams.video[0].frames or 0  # 0: not in the header
                for number, frame in enumerate(self._decode(container), start=1):
                    if frame.shape[:2] != self.first_frame.shape[:2]:
                        raise DataError(
                            f"video file {self.path}: frame {number} is "
                            f"{frame.shape[1]}x{frame.shape[0]}, frame 1 "
                            f"{self.size[0]}x{self.size[1]}")
                    yield frame
        except DataError:
            raise
        except Exception as error:  # noqa: BLE001
            raise DataError(f"video file {self.path}: frame {number + 1} cannot be decoded "
                            f"({_reason(error)})") from None
        if declared and number + 1 < declared:
            raise DataError(f"video file {self.path}: only {number} of the {declared} frames "
                            f"its header declares can be decoded (a truncated or damaged file)")
