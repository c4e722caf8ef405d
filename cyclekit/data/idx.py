"""Reader for gzip-compressed idx files (MNIST, Fashion-MNIST)."""

import gzip
from pathlib import Path

import numpy as np

from cyclekit.data.catalog import data_file
from cyclekit.errors import DataError

_UBYTE = 0x08
_PREFIX = {"train": "train", "test": "t10k"}


def read_idx(path: Path) -> np.ndarray:
    """Decode a ``.gz`` idx file holding unsigned bytes into an array of its stated shape."""
    with gzip.open(path, "rb") as file:
        raw = file.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != _UBYTE:
        raise DataError(f"{path}: not an unsigned-byte idx file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw[4:header], dtype=">u4"))
    data = np.frombuffer(raw, dtype=np.uint8, offset=header)
    if data.size != int(np.prod(shape)):
        raise DataError(f"{path}: header says shape {shape} but holds {data.size} values")
    return data.reshape(shape)


def load_idx_split(folder: str, split: str, data_dir) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(N, 1, H, W)`` uint8 and labels ``(N,)`` int64 of an MNIST-style folder."""
    prefix = _PREFIX[split]
    images_path = data_file(f"{folder}/{prefix}-images-idx3-ubyte.gz", data_dir)
    labels_path = data_file(f"{folder}/{prefix}-labels-idx1-ubyte.gz", data_dir)
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.shape != images.shape[:1]:
        raise DataError(f"{images_path}: images {images.shape} do not match labels {labels.shape}")
    return images[:, None], labels.astype(np.int64)
