"""Deterministic stratified train/test splits for datasets shipped without one, and seeded subsets."""

import numpy as np
from sklearn.model_selection import train_test_split

from cyclekit.errors import DataError

SPLITS = ("train", "test")
SPLIT_SEED = 0
TEST_FRACTION = 0.2


def check_split(split: str) -> None:
    """Raise DataError unless ``split`` is a known split name."""
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}; valid splits: {', '.join(SPLITS)}")


def stratified_indices(labels: np.ndarray, split: str) -> np.ndarray:
    """Sorted indices of ``split`` in a fixed 80/20 stratified split of ``labels``."""
    check_split(split)
    train, test = train_test_split(
        np.arange(len(labels)), test_size=TEST_FRACTION, stratify=labels, random_state=SPLIT_SEED
    )
    return np.sort(train if split == "train" else test)


def chosen_indices(count: int, limit: int | None, seed: int) -> np.ndarray:
    """All indices in order, or the first ``limit`` of a seeded shuffle."""
    if limit is None:
        return np.arange(count)
    if limit < 1:
        raise DataError(f"limit must be a positive integer, got {limit}")
    return np.random.default_rng(seed).permutation(count)[:limit]
