"""Raw frame folders as unlabeled video: numbered image files, read and resized on demand.

A folder counts if it holds numbered images itself or in ``img/`` (OTB layout), ``color/`` or
``imgs/`` (VOT layouts), in any letter case. Any annotation files beside the frames are ignored:
this is training data without labels. Frames are read as the tracking sequences read them
(``cyclekit.tracking.sequences.frames``): macOS ``._*`` files are not frames, and two files with
the same frame number are an error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from cyclekit.errors import DataError
from cyclekit.tracking.sequences.frames import (
    find_entry,
    is_frame_file,
    numbered_frames,
)

FRAME_SUBFOLDERS = ("img", "color", "imgs")


class FrameFolderVideo:
    """``frame(t)``: frame t of the folder as (height, width, 3) uint8."""

    def __init__(self, folder: str | Path, width: int, height: int):
        folder = Path(folder)
        for sub in FRAME_SUBFOLDERS:
            found = find_entry(folder, sub, kind="dir")
            if found is not None:
                folder = found
                break
        self.frames = numbered_frames(folder)
        if len(self.frames) < 2:
            raise DataError(f"frame folder {folder} has {len(self.frames)} frame; a video "
                            f"needs at least 2")
        self.folder, self.width, self.height = folder, width, height

    def __len__(self) -> int:
        return len(self.frames)

    def frame(self, t: int) -> np.ndarray:
        try:
            with Image.open(self.frames[t]) as image:
                image = image.convert("RGB").resize((self.width, self.height), Image.BILINEAR)
                return np.asarray(image)
        except OSError as error:
            raise DataError(f"cannot read frame {self.frames[t]}: {error}") from error


def load_frame_folders(paths: list[str | Path], width: int, height: int,
                       ) -> list[FrameFolderVideo]:
    """One video per folder in ``paths``; a folder without frames of its own is searched one
    level down (a folder of sequence folders)."""
    videos = []
    for path in map(Path, paths):
        if not path.is_dir():
            raise DataError(f"frame folder {path} does not exist")
        has_frames = any(is_frame_file(p) for p in path.iterdir()) or any(
            find_entry(path, sub, kind="dir") is not None for sub in FRAME_SUBFOLDERS)
        folders = [path] if has_frames else sorted(p for p in path.iterdir() if p.is_dir())
        videos += [FrameFolderVideo(folder, width, height) for folder in folders]
    if paths and not videos:
        raise DataError(f"no frame folders found under {', '.join(map(str, paths))}")
    return videos
