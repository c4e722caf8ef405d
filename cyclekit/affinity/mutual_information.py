"""Mutual information between a discrete factor and a low-dimensional embedding (the ACC paper,
Appendix B): histogram the embedding of all N images with about sqrt(N) bins, then

    I(U; G) = H(U) - sum_g p(g) H(U | G = g),

every conditional histogram using the same bins. In D dimensions each axis gets
round(N^(1 / 2D)) equal-width bins over the embedding's range, so there are about sqrt(N) in
all (the paper says "a histogram with sqrt(N) bins" for 2-D; bins per axis are our reading).
Values are in bits.
"""

from __future__ import annotations

import numpy as np

from cyclekit.errors import DataError


def default_bins_per_axis(count: int, dimensions: int) -> int:
    """round(N^(1/2D)): about sqrt(N) bins over all D axes, at least 2 per axis."""
    return max(2, round(count ** (1 / (2 * dimensions))))


def histogram_cells(embedding: np.ndarray, bins_per_axis: int) -> np.ndarray:
    """The histogram cell of every point: equal-width bins per axis over the data's range."""
    embedding = np.asarray(embedding, dtype=np.float64)
    cells = np.zeros(len(embedding), dtype=np.int64)
    for axis in range(embedding.shape[1]):
        values = embedding[:, axis]
        low, high = values.min(), values.max()
        width = (high - low) / bins_per_axis if high > low else 1.0
        index = np.clip(((values - low) / width).astype(np.int64), 0, bins_per_axis - 1)
        cells = cells * bins_per_axis + index
    return cells


def entropy_bits(counts: np.ndarray) -> float:
    """Shannon entropy (bits) of the distribution given by non-negative counts."""
    counts = np.asarray(counts, dtype=np.float64)
    probabilities = counts[counts > 0] / counts.sum()
    return float(-(probabilities * np.log2(probabilities)).sum())


def mutual_information(embedding: np.ndarray, factor: np.ndarray,
                       bins_per_axis: int | None = None) -> float:
    """I(U; G) in bits between an embedding ``(N, D)`` and a discrete factor ``(N,)``."""
    embedding = np.asarray(embedding)
    factor = np.asarray(factor)
    if embedding.ndim != 2 or factor.shape != (len(embedding),) or len(embedding) < 2:
        raise DataError(f"need an embedding (N, D) and a factor (N,), got {embedding.shape} "
                        f"and {factor.shape}")
    if not np.isfinite(embedding).all():
        raise DataError("the embedding has non-finite values; mutual information is undefined")
    bins = bins_per_axis or default_bins_per_axis(len(embedding), embedding.shape[1])
    cells = histogram_cells(embedding, bins)
    _, values = np.unique(factor, return_inverse=True)
    joint = np.zeros((values.max() + 1, bins ** embedding.shape[1]))
    np.add.at(joint, (values, cells), 1)
    weights = joint.sum(1) / len(embedding)
    conditional = sum(weight * entropy_bits(row) for weight, row in zip(weights, joint))
    return entropy_bits(joint.sum(0)) - conditional


def mutual_information_per_factor(embedding: np.ndarray, factors: np.ndarray,
                                  names: tuple[str, ...], bins_per_axis: int | None = None,
                                  ) -> dict[str, float]:
    """I(U; G_k) for every factor column k of ``factors`` ``(N, K)``, by name."""
    return {name: mutual_information(embedding, np.asarray(factors)[:, k], bins_per_axis)
            for k, name in enumerate(names)}


def factor_entropy(factor: np.ndarray) -> float:
    """H(G) in bits, the upper bound of I(U; G)."""
    return entropy_bits(np.unique(np.asarray(factor), return_counts=True)[1])
