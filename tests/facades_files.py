"""Tiny pix2pix-style facades folders for tests: photo | label map side by side in each JPEG.

Label maps are grids of 8 x 8 px blocks of CMP classes painted in the CMP palette; the
photo of a label map is the same picture with its colour channels reversed (so a perfect
translator in either direction is a channel flip). Block classes come from a generator
seeded with the file number, so a test can recompute what file ``i`` holds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

import cyclekit.data.catalog as catalog
from cyclekit.data.checksum import file_sha256
from cyclekit.data.facades_palette import CMP_PALETTE

BLOCK = 8
COUNTS = {"train": 12, "val": 4, "test": 6}


def block_classes(number: int, side: int) -> np.ndarray:
    """The ``(side, side)`` class map painted into file ``number``."""
    cells = side // BLOCK
    grid = np.random.default_rng(number).integers(0, len(CMP_PALETTE), (cells, cells))
    return np.kron(grid, np.ones((BLOCK, BLOCK), dtype=np.int64))


def write_facades(data_dir: Path, side: int = 32, counts: dict[str, int] = COUNTS) -> Path:
    """Write ``data_dir/facades/{train,val,test}/N.jpg`` and ``SHA256SUMS``; return the folder."""
    root = data_dir / "facades"
    lines = []
    for split, count in counts.items():
        (root / split).mkdir(parents=True, exist_ok=True)
        for number in range(1, count + 1):
            labels = CMP_PALETTE.numpy()[block_classes(number, side)]
            photo = labels[..., ::-1]
            path = root / split / f"{number}.jpg"
            Image.fromarray(np.concatenate([photo, labels], axis=1)).save(
                path, quality=95, subsampling=0)
            lines.append(f"{file_sha256(path)}  {split}/{number}.jpg")
    (root / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    return root


def register_facades(monkeypatch, data_dir: Path) -> None:
    """Record the written SHA256SUMS in the catalog with its current sha256 (same source text)."""
    relpath = "facades/SHA256SUMS"
    digest = file_sha256(data_dir / relpath)
    source = catalog.FILES[relpath].source
    monkeypatch.setitem(catalog.FILES, relpath, catalog.DataFile(relpath, digest, source))


class ChannelFlip(torch.nn.Module):
    """The perfect translator of these files in either direction: reverse the colour channels."""

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return images.flip(1)


class PerfectTranslator(torch.nn.Module):
    """A stand-in method whose ``f`` and ``g`` are both :class:`ChannelFlip`."""

    def __init__(self):
        super().__init__()
        self.f, self.g = ChannelFlip(), ChannelFlip()
