"""CMP Facades in the pix2pix layout: each JPEG holds a photo and its label map side by side.

Two domains of one dataset: ``facades_photo`` (left halves) and ``facades_labels`` (right
halves, the 12 CMP classes colour-coded, JPEG-noisy; see :mod:`facades_palette`). File ``i``
of a split gives sample ``i`` of both, so their test splits are paired for evaluation, while
training draws them unpaired (the UnpairedBatcher shuffles each domain on its own).

Splits: ``train`` = ``train/1..400.jpg``, ``test`` = ``test/1..106.jpg``, in file-number
order. ``val/1..100.jpg`` is not a split of translation runs (the trainer holds its
validation slice out of ``train``); only the FCN-score evaluator reads it, to choose its own
training length without looking at the test set (docs/facades.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from cyclekit.data.catalog import FILES, data_file
from cyclekit.data.checksum import verify
from cyclekit.data.facades_palette import CMP_CLASSES, colors_to_classes
from cyclekit.data.splits import chosen_indices
from cyclekit.errors import DataError

SUMS = "facades/SHA256SUMS"
FOLDERS = ("train", "val", "test")
HALVES = ("photo", "labels")
CHUNK_IMAGES = 16


def facade_files(split: str, data_dir) -> list[Path]:
    """The split's verified JPEGs (sha256 against the folder's SHA256SUMS), in number order."""
    if split not in FOLDERS:
        raise DataError(f"unknown facades folder {split!r}; valid folders: {', '.join(FOLDERS)}")
    sums_path = data_file(SUMS, data_dir)
    source = FILES[SUMS].source
    listed = dict(reversed(line.split(maxsplit=1)) for line in sums_path.read_text().splitlines())
    names = sorted((name for name in listed if name.startswith(f"{split}/") and name.endswith(".jpg")),
                   key=_number_order)
    if not names:
        raise DataError(f"{sums_path}: lists no {split}/*.jpg images; expected {source}")
    return [verify(sums_path.parent / name, listed[name], source) for name in names]


def read_side_by_side(split: str, data_dir) -> np.ndarray:
    """The split's images ``(N, H, 2H, 3)`` uint8: photo on the left, label map on the right."""
    images = []
    for path in facade_files(split, data_dir):
        try:
            with Image.open(path) as image:
                pixels = np.asarray(image.convert("RGB"))
        except OSError as error:
            raise DataError(f"cannot read facades image {path}: {error}") from None
        if pixels.shape[1] != 2 * pixels.shape[0] or (images and pixels.shape != images[0].shape):
            raise DataError(f"facades image {path} is {pixels.shape[1]}x{pixels.shape[0]}; expected "
                            f"photo | label map side by side, twice as wide as high, all one size")
        images.append(pixels)
    return np.stack(images)


def load_facades(half: str, split: str, data_dir) -> tuple[np.ndarray, None]:
    """One half of every image of ``split``: ``(N, 3, H, H)`` uint8; no per-image labels."""
    if half not in HALVES:
        raise DataError(f"unknown facades half {half!r}; valid halves: {', '.join(HALVES)}")
    pairs = read_side_by_side(split, data_dir)
    side = pairs.shape[1]
    chosen = pairs[:, :, :side] if half == "photo" else pairs[:, :, side:]
    return np.ascontiguousarray(chosen.transpose(0, 3, 1, 2)), None


def mode_downsample(class_maps: torch.Tensor, size: int, num_classes: int = len(CMP_CLASSES),
                    ) -> torch.Tensor:
    """``(N, size, size)`` class maps: in each output cell the class covering most of it.

    One-hot maps are area-averaged (``adaptive_avg_pool2d``) and the argmax taken: the
    majority vote of each block when ``size`` divides the side (ties to the lower class).
    """
    if class_maps.shape[-2:] == (size, size):
        return class_maps.long()
    chunks = []
    for chunk in class_maps.long().split(CHUNK_IMAGES):
        one_hot = F.one_hot(chunk, num_classes).permute(0, 3, 1, 2).float()
        chunks.append(F.adaptive_avg_pool2d(one_hot, size).argmax(1))
    return torch.cat(chunks) if chunks else class_maps.new_zeros((0, size, size)).long()


def load_class_maps(split: str, data_dir, image_size: int, *, limit: int | None = None,
                    seed: int = 0) -> torch.Tensor:
    """Ground-truth class maps ``(N, image_size, image_size)`` int64 of a split's label maps.

    Nearest palette colour at full resolution, then :func:`mode_downsample`. ``limit`` and
    ``seed`` choose the same images as ``load_domain(..., limit=limit, seed=seed)``.
    """
    labels, _ = load_facades("labels", split, data_dir)
    keep = chosen_indices(len(labels), limit, seed)
    maps = [mode_downsample(colors_to_classes(torch.from_numpy(labels[chunk])), image_size)
            for chunk in np.array_split(keep, max(1, len(keep) // CHUNK_IMAGES))]
    return torch.cat(maps)


def _number_order(name: str) -> tuple[int, str]:
    stem = Path(name).stem
    return (int(stem) if stem.isdigit() else -1, name)
