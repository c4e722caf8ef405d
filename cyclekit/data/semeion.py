"""Reader for the UCI Semeion handwritten digits."""

import numpy as np

from cyclekit.data.catalog import data_file
from cyclekit.data.splits import stratified_indices
from cyclekit.errors import DataError

SIDE = 16
CLASSES = 10


def load_semeion(split: str, data_dir) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(N, 1, 16, 16)`` float32 in {0, 1} and labels ``(N,)`` int64 of a fixed 80/20 split."""
    path = data_file("semeion/semeion.data", data_dir)
    table = np.loadtxt(path, dtype=np.float32, ndmin=2)
    one_hot = table[:, SIDE * SIDE:]
    if table.shape[1] != SIDE * SIDE + CLASSES or not np.all(one_hot.sum(axis=1) == 1):
        raise DataError(f"{path}: expected rows of {SIDE * SIDE} pixels and a {CLASSES}-way one-hot label")
    labels = one_hot.argmax(axis=1).astype(np.int64)
    keep = stratified_indices(labels, split)
    return table[keep, : SIDE * SIDE].reshape(-1, 1, SIDE, SIDE), labels[keep]
