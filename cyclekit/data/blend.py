"""MNIST-M blending (Ganin & Lempitsky 2015): ``|patch - digit|`` over random photo crops."""

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cyclekit.errors import DataError


@dataclass(frozen=True)
class CropPlan:
    """Where each sample's background patch comes from: photo index and top-left corner."""

    photo: np.ndarray
    top: np.ndarray
    left: np.ndarray

    def take(self, indices: np.ndarray) -> "CropPlan":
        """The plan restricted to ``indices``."""
        return CropPlan(self.photo[indices], self.top[indices], self.left[indices])


def plan_crops(count: int, photos: list[np.ndarray], size: int, seed: int) -> CropPlan:
    """Draw one ``size`` x ``size`` crop per sample; sample i's crop depends only on (i, seed)."""
    heights = np.array([photo.shape[0] for photo in photos])
    widths = np.array([photo.shape[1] for photo in photos])
    if np.any(heights < size) or np.any(widths < size):
        raise DataError(f"background photos must be at least {size}x{size} pixels")
    rng = np.random.default_rng(seed)
    photo = rng.integers(len(photos), size=count)
    top = rng.integers(heights[photo] - size + 1)
    left = rng.integers(widths[photo] - size + 1)
    return CropPlan(photo, top, left)


def blend(digits: np.ndarray, photos: list[np.ndarray], plan: CropPlan) -> np.ndarray:
    """Blend uint8 digits ``(N, H, W)`` over uint8 RGB photos; returns uint8 ``(N, 3, H, W)``."""
    count, height, width = digits.shape
    patches = np.empty((count, 3, height, width), dtype=np.uint8)
    for index, photo in enumerate(photos):
        chosen = np.flatnonzero(plan.photo == index)
        windows = sliding_window_view(photo, (height, width), axis=(0, 1))
        patches[chosen] = windows[plan.top[chosen], plan.left[chosen]]
    return np.abs(patches.astype(np.int16) - digits[:, None]).astype(np.uint8)
