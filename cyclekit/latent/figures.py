"""Figures of a 2-D latent space (Tiao et al.'s MNIST figure): scatter plots of codes, coloured by
class when labels are given, and the decoder's image manifold over a uniform grid of z."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from cyclekit.atomic import atomic_output


def save_latent_scatter(codes: torch.Tensor, path: str | Path, *,
                        labels: torch.Tensor | None = None, title: str = "",
                        limits: tuple[tuple[float, float], tuple[float, float]] | None = None,
                        ) -> Path:
    """Scatter ``(N, 2)`` codes (coloured by integer ``labels`` with a colour bar) as a PNG."""
    codes = codes.detach().cpu().numpy()
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"expected codes of shape (N, 2), got {codes.shape}")
    figure = Figure(figsize=(4.2, 3.6), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if labels is None:
        axes.scatter(codes[:, 0], codes[:, 1], s=1, alpha=0.3, color="tab:blue", rasterized=True)
    else:
        values = labels.cpu().numpy()
        points = axes.scatter(codes[:, 0], codes[:, 1], s=1, alpha=0.5, c=values, cmap="tab10",
                              vmin=-0.5, vmax=9.5, rasterized=True)
        figure.colorbar(points, ax=axes, ticks=range(10))
    if limits is not None:
        axes.set_xlim(*limits[0])
        axes.set_ylim(*limits[1])
    axes.set_xlabel("$z_1$")
    axes.set_ylabel("$z_2$")
    if title:
        axes.set_title(title, fontsize=9)
    figure.tight_layout()
    with atomic_output(path) as tmp:
        figure.savefig(tmp, format="png")
    return Path(path)


def grid_codes(z1_range: tuple[float, float], z2_range: tuple[float, float], size: int = 20,
               ) -> torch.Tensor:
    """``(size * size, 2)`` codes on a uniform grid, row by row from the top (largest z2)."""
    z1 = torch.linspace(*z1_range, size)
    z2 = torch.linspace(*z2_range, size).flip(0)
    rows, columns = torch.meshgrid(z2, z1, indexing="ij")
    return torch.stack([columns.reshape(-1), rows.reshape(-1)], dim=1)


def save_decoder_manifold(decode: Callable[[torch.Tensor], torch.Tensor], path: str | Path, *,
                          z1_range: tuple[float, float], z2_range: tuple[float, float],
                          size: int = 20) -> Path:
    """Decode a ``size`` x ``size`` grid of z and tile the images (in [-1, 1]) into one PNG."""
    with torch.no_grad():
        images = decode(grid_codes(z1_range, z2_range, size)).detach().cpu()
    _, channels, height, width = images.shape
    pixels = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()
    tiles = pixels.reshape(size, size, channels, height, width).transpose(0, 3, 1, 4, 2)
    canvas = tiles.reshape(size * height, size * width, channels)
    image = Image.fromarray(canvas[..., 0] if channels == 1 else np.ascontiguousarray(canvas))
    with atomic_output(path) as tmp:
        image.save(tmp, format="PNG")
    return Path(path)
