"""Pools of photos that synthetic videos take backgrounds and objects from.

``bsds500``: the BSDS500 photos (train split for training videos, test split for held-out
clips), halved in size. ``sklearn_samples``: scikit-learn's two sample photos cut into
quarters (train: the six quarters not used by test; test: the two remaining), for tests and
demos without a data directory. ``textures``: generated smooth colour noise (no files at all).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from cyclekit.data.bsds500 import load_photos
from cyclekit.errors import ConfigError

POOLS = ("bsds500", "sklearn_samples", "textures")


def _halved(photo: np.ndarray) -> np.ndarray:
    image = Image.fromarray(photo)
    return np.asarray(image.resize((image.width // 2, image.height // 2), Image.BILINEAR))


def _quarters(photo: np.ndarray) -> list[np.ndarray]:
    h, w = photo.shape[0] // 2, photo.shape[1] // 2
    return [photo[i * h:(i + 1) * h, j * w:(j + 1) * w] for i in range(2) for j in range(2)]


def _textures(count: int, seed: int, size: tuple[int, int] = (120, 160)) -> list[np.ndarray]:
    """Colour noise low-passed at a random scale per texture, stretched to 0..255."""
    rng = np.random.default_rng(seed)
    textures = []
    for _ in range(count):
        cell = int(rng.integers(4, 24))
        coarse = rng.random((size[0] // cell + 2, size[1] // cell + 2, 3))
        image = Image.fromarray((coarse * 255).astype(np.uint8)).resize(
            (size[1] + 2 * cell, size[0] + 2 * cell), Image.BICUBIC)
        array = np.asarray(image)[cell:cell + size[0], cell:cell + size[1]].astype(np.float32)
        array += rng.normal(0, 12, array.shape)
        low, high = array.min(), array.max()
        textures.append(((array - low) / max(high - low, 1) * 255).astype(np.uint8))
    return textures


def load_photo_pool(kind: str, split: str, data_dir=None) -> list[np.ndarray]:
    """Photos (H, W, 3) uint8 of pool ``kind`` for ``split`` ('train' or 'test')."""
    if split not in ("train", "test"):
        raise ConfigError(f"photo pool split must be 'train' or 'test', got {split!r}")
    if kind == "bsds500":

        return [_halved(photo) for photo in load_photos(split, data_dir)]
    if kind == "sklearn_samples":
        from sklearn.datasets import load_sample_images

        quarters = [q for image in load_sample_images().images for q in _quarters(image)]
        held_out = [quarters[3], quarters[7]]
        return held_out if split == "test" else [q for i, q in enumerate(quarters)
                                                 if i not in (3, 7)]
    if kind == "textures":
        return _textures(24 if split == "train" else 8, seed=0 if split == "train" else 1)
    raise ConfigError(f"unknown photo pool {kind!r}; choose one of {list(POOLS)}")
