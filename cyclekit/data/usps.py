"""Reader for the USPS digits in the ``usps.h5`` layout."""

import h5py
import numpy as np

from cyclekit.data.catalog import data_file
from cyclekit.errors import DataError

SIDE = 16


def load_usps(split: str, data_dir) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(N, 1, 16, 16)`` float32 in [0, 1] and labels ``(N,)`` int64."""
    path = data_file("usps/usps.h5", data_dir)
    with h5py.File(path, "r") as file:
        if split not in file:
            raise DataError(f"{path}: no {split!r} group")
        images = np.asarray(file[f"{split}/data"], dtype=np.float32)
        labels = np.asarray(file[f"{split}/target"], dtype=np.int64)
    if images.ndim != 2 or images.shape[1] != SIDE * SIDE or labels.shape != images.shape[:1]:
        raise DataError(f"{path}: {split} data {images.shape} / target {labels.shape}, "
                        f"expected (N, {SIDE * SIDE}) / (N,)")
    return images.reshape(-1, 1, SIDE, SIDE), labels
