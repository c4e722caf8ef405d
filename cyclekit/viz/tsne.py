"""t-SNE maps (van der Maaten & Hinton 2008, scikit-learn) of two domains' representations,
side by side (Hou et al., Fig. 7: h_s / h_t and z_st / z_ts, source blue, target red)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.manifold import TSNE

from cyclekit.atomic import atomic_output


def tsne_embedding(values: np.ndarray, seed: int = 0) -> np.ndarray:
    """2-D t-SNE of the rows of ``values`` (perplexity capped for small sets)."""
    perplexity = float(min(30, max(2, (len(values) - 1) // 3)))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed
                ).fit_transform(values)


def save_domain_tsne(panels: dict[str, tuple[torch.Tensor, torch.Tensor]], path: str | Path, *,
                     labels: tuple[str, str] = ("source", "target"), title: str = "",
                     seed: int = 0) -> Path:
    """One panel per entry ``name -> (source values, target values)``: a joint t-SNE of both,
    source in blue, target in red. Written atomically as a PNG."""
    figure = Figure(figsize=(3.6 * len(panels), 3.6), dpi=90)
    FigureCanvasAgg(figure)
    for index, (name, (source, target)) in enumerate(panels.items()):
        values = torch.cat([source.flatten(1), target.flatten(1)]).detach().cpu().numpy()
        embedded = tsne_embedding(values.astype(np.float64), seed)
        axes = figure.add_subplot(1, len(panels), index + 1)
        axes.scatter(*embedded[:len(source)].T, s=3, alpha=0.5, color="tab:blue",
                     label=labels[0], rasterized=True)
        axes.scatter(*embedded[len(source):].T, s=3, alpha=0.5, color="tab:red",
                     label=labels[1], rasterized=True)
        axes.set_title(name, fontsize=9)
        axes.set_xticks([])
        axes.set_yticks([])
        if index == 0:
            axes.legend(fontsize=7, markerscale=3, loc="best")
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    with atomic_output(path) as tmp:
        figure.savefig(tmp, format="png")
    return Path(path)
