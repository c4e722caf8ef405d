"""Cycle distances D_cyc (Zou & Hao): reconstruction losses between a sample and its round trip.

With Dirac conditionals the reconstruction term of the cyclic ELBO becomes a distance; the
choice of distance is the choice of likelihood (L1 ~ Laplace, L2 ~ Gaussian, cross-entropy
~ Bernoulli/categorical).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from cyclekit.errors import ConfigError

Distance = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def l1(target: torch.Tensor, reconstruction: torch.Tensor) -> torch.Tensor:
    return F.l1_loss(reconstruction, target)


def l2(target: torch.Tensor, reconstruction: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(reconstruction, target)


def binary_cross_entropy(target: torch.Tensor, reconstruction: torch.Tensor) -> torch.Tensor:
    """Bernoulli likelihood; ``reconstruction`` are logits, ``target`` in [0, 1]."""
    return F.binary_cross_entropy_with_logits(reconstruction, target)


def cross_entropy(target: torch.Tensor, reconstruction: torch.Tensor) -> torch.Tensor:
    """Categorical likelihood; ``reconstruction`` are logits (N, C, ...), ``target`` indices."""
    return F.cross_entropy(reconstruction, target)


DISTANCES: dict[str, Distance] = {
    "l1": l1,
    "l2": l2,
    "bce": binary_cross_entropy,
    "cross_entropy": cross_entropy,
}


def get_distance(name: str) -> Distance:
    if name not in DISTANCES:
        raise ConfigError(f"unknown cycle distance '{name}'; choose one of {sorted(DISTANCES)}")
    return DISTANCES[name]
