"""Figures of learned embeddings (ACC paper, Fig. 3-4): scatter plots coloured by a factor
(PCA to 2-D for wider embeddings), box plots of mutual information per factor and setting,
and nearest-neighbour retrieval grids."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.decomposition import PCA

from cyclekit.atomic import atomic_output
from cyclekit.viz.grid import save_image_grid


def _axes(rows: int, columns: int, size: tuple[float, float], **options):
    figure = Figure(figsize=size)
    FigureCanvasAgg(figure)
    return figure, figure.subplots(rows, columns, squeeze=False, **options)


def _save(figure: Figure, path: str | Path, dpi: int) -> Path:
    with atomic_output(path) as tmp:
        figure.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    return Path(path)


def to_plane(embedding: np.ndarray) -> np.ndarray:
    """The embedding itself when 2-D, else its first two principal components."""
    embedding = np.asarray(embedding)
    return embedding if embedding.shape[1] == 2 else PCA(2).fit_transform(embedding)


def plot_embedding_by_factor(panels: dict[str, np.ndarray], factors: np.ndarray,
                             factor_names: tuple[str, ...], path: str | Path, *,
                             max_points: int = 3000, seed: int = 0, dpi: int = 60) -> Path:
    """One row per embedding in ``panels`` (e.g. untrained, trained), one column per factor."""
    count = len(factors)
    keep = np.random.default_rng(seed).permutation(count)[:max_points]
    figure, axes = _axes(len(panels), len(factor_names),
                         (2.4 * len(factor_names), 2.4 * len(panels)))
    for row, (title, embedding) in enumerate(panels.items()):
        plane = to_plane(embedding)[keep]
        for column, name in enumerate(factor_names):
            axis = axes[row, column]
            axis.scatter(plane[:, 0], plane[:, 1], c=np.asarray(factors)[keep, column], s=2,
                         cmap="viridis", rasterized=True)
            axis.set_xticks([])
            axis.set_yticks([])
            if row == 0:
                axis.set_title(name, fontsize=9)
            if column == 0:
                axis.set_ylabel(textwrap.fill(title, 28), fontsize=8)
    return _save(figure, path, dpi)


def plot_mi_boxes(settings: dict[str, dict[str, list[float]]], factor_names: list[str],
                  path: str | Path, *, inactive: dict[str, list[str]] | None = None,
                  entropies: dict[str, float] | None = None, dpi: int = 70) -> Path:
    """One panel per setting: a box per factor of MI over seeds; inactive factors shaded."""
    inactive = inactive or {}
    figure, axes = _axes(len(settings), 1, (1.1 * len(factor_names) + 2, 1.5 * len(settings)),
                         sharex=True)
    top = max(max(max(v) for v in values.values()) for values in settings.values())
    for axis, (title, values) in zip(axes[:, 0], settings.items()):
        for position, name in enumerate(factor_names):
            if name in inactive.get(title, []):
                axis.axvspan(position + 0.5, position + 1.5, color="0.85", zorder=0)
        axis.boxplot([values[name] for name in factor_names], widths=0.5)
        axis.set_ylim(0, 1.1 * top)
        axis.set_ylabel("MI (bits)", fontsize=8)
        axis.set_title(title, fontsize=9, loc="left")
    axes[-1, 0].set_xticks(range(1, len(factor_names) + 1), factor_names, fontsize=8)
    return _save(figure, path, dpi)


def save_retrieval_grid(queries: torch.Tensor, retrieved: torch.Tensor, path: str | Path,
                        row_labels: list[str] | None = None) -> Path:
    """Each row: a query image, then its nearest neighbour in each group ``(Q, G, C, H, W)``."""
    rows = [torch.cat([query.unsqueeze(0), found]) for query, found in zip(queries, retrieved)]
    return save_image_grid(rows, path, row_labels=row_labels, nrow_max=retrieved.shape[1] + 1)
