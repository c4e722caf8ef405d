"""Temporal cycle consistency heads (Dwibedi et al. 2019) on the affinity primitive (the ACC paper).

Frame i of sequence U (T_u, E) goes to its soft nearest neighbour in V (T_v, E) and back to
U; beta_i = softmax(cycle-back logits of i) is a distribution over U's frames.

    classification:  CE(beta_i, i) with label smoothing
    regression:      mu_i = sum_k beta_ik k,  sigma_i^2 = sum_k beta_ik (k - mu_i)^2
        mse          (i - mu_i)^2
        mse_var      (i - mu_i)^2 / sigma_i^2 + lambda log sigma_i^2   (variance-aware)
        huber        Huber(i, mu_i)

Times are frame indices, divided by T_u - 1 when ``normalize_indices`` (TCC's default), so the
regression losses do not grow with the sequence length.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from cyclekit.affinity.affinity import (
    cycle_back_cross_entropy,
    cycle_back_logits,
    soft_nearest_neighbours,
)
from cyclekit.errors import ConfigError

REGRESSION_LOSSES = ("mse", "mse_var", "huber")
_VARIANCE_FLOOR = 1e-6


def tcc_logits(u: torch.Tensor, v: torch.Tensor, kind: str = "squared_l2",
               temperature: float = 1.0) -> torch.Tensor:
    """Cycle-back logits U -> V -> U, ``(..., T_u, T_u)``."""
    return cycle_back_logits(soft_nearest_neighbours(u, v, kind, temperature), u, kind, temperature)


def tcc_classification_loss(u: torch.Tensor, v: torch.Tensor, *, kind: str = "squared_l2",
                            temperature: float = 1.0, label_smoothing: float = 0.1,
                            ) -> torch.Tensor:
    """Cycle-back classification: cross-entropy with the starting frame, label-smoothed."""
    if not 0.0 <= label_smoothing < 1.0:
        raise ConfigError(f"label_smoothing={label_smoothing} must be in [0, 1)")
    return cycle_back_cross_entropy(u, tcc_logits(u, v, kind, temperature), label_smoothing)


def cycle_back_times(u: torch.Tensor, v: torch.Tensor, *, kind: str = "squared_l2",
                     temperature: float = 1.0, normalize_indices: bool = True,
                     ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(true times i, predicted times mu_i, variances sigma_i^2), each ``(..., T_u)``."""
    beta = tcc_logits(u, v, kind, temperature).softmax(-1)
    count = beta.shape[-1]
    times = torch.arange(count, dtype=beta.dtype, device=beta.device)
    if normalize_indices:
        times = times / max(count - 1, 1)
    mean = beta @ times
    variance = (beta * (times - mean.unsqueeze(-1)).pow(2)).sum(-1)
    return times.expand_as(mean), mean, variance


def tcc_regression_loss(u: torch.Tensor, v: torch.Tensor, *, loss: str = "mse_var",
                        kind: str = "squared_l2", temperature: float = 1.0,
                        variance_lambda: float = 0.001, huber_delta: float = 0.1,
                        normalize_indices: bool = True) -> torch.Tensor:
    """Cycle-back regression of the frame index with the named loss (see module docstring)."""
    if loss not in REGRESSION_LOSSES:
        raise ConfigError(f"unknown TCC regression loss '{loss}'; choose one of "
                          f"{list(REGRESSION_LOSSES)}")
    true, predicted, variance = cycle_back_times(u, v, kind=kind, temperature=temperature,
                                                 normalize_indices=normalize_indices)
    if loss == "mse":
        return F.mse_loss(predicted, true)
    if loss == "huber":
        return F.huber_loss(predicted, true, delta=huber_delta)
    log_variance = variance.clamp_min(_VARIANCE_FLOOR).log()
    return ((true - predicted).pow(2) * torch.exp(-log_variance)
            + variance_lambda * log_variance).mean()
