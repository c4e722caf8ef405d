"""Factor datasets: images with their known generative factors (ACC paper, Sec. 4.1-4.2).

A :class:`FactorDataset` holds images in [-1, 1] and one integer class per factor. Sources:
dSprites (the complete factor grid shape x scale x orientation x posX x posY), MNIST with the
digit class as its only known factor, and a tiny generated grid of squares for tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
import torch
import torch.nn.functional as F

from cyclekit.data.catalog import data_root
from cyclekit.data.checksum import verify
from cyclekit.data.domain import load_domain
from cyclekit.errors import DataError

DSPRITES_FILE = "dsprites/dsprites_downsampled.npz"
DSPRITES_SHA256 = "8a632f70c0dbd279dd771854981a3de945b2448eddbd9b2af59fb83e8728f871"
DSPRITES_SOURCE = ("colleenjg/neuromatch_ssl_tutorial@130380eb, dsprites/dsprites_downsampled.npz "
                   "(a subset of deepmind/dsprites-dataset); see MANIFEST")
DSPRITES_FACTORS = ("shape", "scale", "orientation", "pos_x", "pos_y")
DSPRITES_SIZES = (3, 6, 10, 16, 16)
SQUARES_FACTORS = ("pos_x", "pos_y", "size", "shade")


@dataclass
class FactorDataset:
    """Images ``(N, C, H, W)`` float32 in [-1, 1], factor classes ``(N, F)`` int64."""

    images: torch.Tensor
    factors: torch.Tensor
    factor_names: tuple[str, ...]

    def __post_init__(self):
        expected = (len(self.images), len(self.factor_names))
        if self.images.dim() != 4 or self.factors.shape != expected:
            raise DataError(f"factor dataset: images {tuple(self.images.shape)} and factors "
                            f"{tuple(self.factors.shape)} do not match names {self.factor_names}")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def factor_sizes(self) -> tuple[int, ...]:
        return tuple(int(self.factors[:, k].max()) + 1 for k in range(len(self.factor_names)))

    def factor_index(self, name: str) -> int:
        if name not in self.factor_names:
            raise DataError(f"unknown factor '{name}'; this dataset has {list(self.factor_names)}")
        return self.factor_names.index(name)

    def subset(self, keep: torch.Tensor) -> FactorDataset:
        return FactorDataset(self.images[keep], self.factors[keep], self.factor_names)


def load_dsprites(data_dir: str | None = None, image_size: int = 32) -> FactorDataset:
    """dSprites' complete grid (46,080 images; sizes 3, 6, 10, 16, 16), average-pooled to
    ``image_size`` (64 keeps the binary originals)."""
    if image_size not in (16, 32, 64):
        raise DataError(f"dSprites image_size must be 16, 32 or 64, got {image_size}")
    path = verify(data_root(data_dir) / DSPRITES_FILE, DSPRITES_SHA256, DSPRITES_SOURCE)
    with np.load(path, allow_pickle=True, encoding="latin1") as archive:
        images, classes = archive["imgs"], archive["latents_classes"]
    if images.shape[1:] != (64, 64) or classes.shape != (len(images), len(DSPRITES_FACTORS)):
        raise DataError(f"{path}: expected imgs (N, 64, 64) and latents_classes (N, 5), got "
                        f"{images.shape} and {classes.shape}")
    tensor = torch.from_numpy(images).float().unsqueeze(1)
    if image_size != 64:
        tensor = F.avg_pool2d(tensor, 64 // image_size)
    return FactorDataset(tensor.mul_(2).sub_(1), torch.from_numpy(classes.astype(np.int64)),
                         DSPRITES_FACTORS)


def load_mnist_factors(split: str, data_dir: str | None = None, limit: int | None = None,
                       seed: int = 0) -> FactorDataset:
    """MNIST ``split`` at 28 x 28, one channel; the digit class is the one known factor."""

    domain = load_domain("mnist", split, data_dir=data_dir, image_size=28, channels=1,
                         limit=limit, seed=seed)
    return FactorDataset(domain.images, domain.labels.long().unsqueeze(1), ("digit",))


def make_squares(image_size: int = 16, positions: int = 4, sizes: int = 3,
                 shades: int = 3) -> FactorDataset:
    """A complete generated grid of bright squares on black: factors pos_x, pos_y, size, shade.

    Square sides are 2, 3, 4, ... pixels; shades are evenly spaced in (0, 1]; positions are
    evenly spaced so every square fits."""
    largest = 1 + sizes
    if image_size < largest + positions - 1:
        raise DataError(f"image_size={image_size} is too small for {positions} positions of "
                        f"squares up to {largest} pixels")
    starts = np.linspace(0, image_size - largest, positions).round().astype(int)
    images, factors = [], []
    for x, y, size, shade in product(range(positions), range(positions), range(sizes),
                                     range(shades)):
        image = torch.zeros(1, image_size, image_size)
        side = size + 2
        image[0, starts[y]:starts[y] + side, starts[x]:starts[x] + side] = (shade + 1) / shades
        images.append(image)
        factors.append((x, y, size, shade))
    return FactorDataset(torch.stack(images).mul_(2).sub_(1), torch.tensor(factors),
                         SQUARES_FACTORS)
