import math

import pytest
import torch
import torch.nn.functional as F

from cyclekit.affinity.tcc import (
    cycle_back_times,
    tcc_classification_loss,
    tcc_logits,
    tcc_regression_loss,
)
from cyclekit.errors import ConfigError


def _trajectory(times: torch.Tensor) -> torch.Tensor:
    """A curve in 2-D, far apart frames (length scale >> sqrt(tau) = 1)."""
    return torch.stack([20 * times, 10 * torch.sin(3 * times)], 1)


def test_aligned_sequences_cycle_back_to_their_own_frames():
    u = _trajectory(torch.linspace(0, 1, 8))
    true, predicted, variance = cycle_back_times(u, u.clone())
    assert torch.allclose(predicted, true, atol=1e-4)
    assert variance.max() < 1e-4
    assert tcc_classification_loss(u, u, label_smoothing=0.0).item() < 1e-4
    for loss in ("mse", "huber"):
        assert tcc_regression_loss(u, u, loss=loss).item() < 1e-8


def test_time_warped_sequences_align():
    u = _trajectory(torch.linspace(0, 1, 10))
    v = _trajectory(torch.linspace(0, 1, 25) ** 1.5)  # another speed, more frames
    _, predicted, _ = cycle_back_times(u, v)
    assert torch.all(predicted[1:] > predicted[:-1])  # monotone, like the true times
    assert tcc_regression_loss(u, v, loss="mse").item() < 1e-3


def test_label_smoothing_matches_the_smoothed_cross_entropy():
    u, v = torch.randn(5, 3), torch.randn(7, 3)
    logits = tcc_logits(u, v)
    expected = F.cross_entropy(logits, torch.arange(5), label_smoothing=0.2)
    actual = tcc_classification_loss(u, v, label_smoothing=0.2)
    assert actual.item() == pytest.approx(expected.item())


def test_variance_aware_mse_by_hand():
    u, v = torch.randn(4, 2), torch.randn(6, 2)
    true, mean, variance = cycle_back_times(u, v)
    expected = ((true - mean) ** 2 / variance + 0.5 * variance.log()).mean()
    actual = tcc_regression_loss(u, v, loss="mse_var", variance_lambda=0.5)
    assert actual.item() == pytest.approx(expected.item(), rel=1e-5)


def test_regression_losses_reward_alignment_and_reject_unknown_names():
    u = _trajectory(torch.linspace(0, 1, 8))
    reversed_pairs = u[torch.tensor([1, 0, 3, 2, 5, 4, 7, 6])]
    for loss in ("mse", "mse_var", "huber"):
        aligned = tcc_regression_loss(u, u, loss=loss, variance_lambda=0.0)
        shuffled = tcc_regression_loss(u, reversed_pairs, loss=loss, variance_lambda=0.0)
        assert math.isfinite(aligned.item()) and aligned <= shuffled + 1e-9, loss
    with pytest.raises(ConfigError, match="unknown TCC regression loss"):
        tcc_regression_loss(u, u, loss="l7")
    with pytest.raises(ConfigError, match="label_smoothing"):
        tcc_classification_loss(u, u, label_smoothing=1.0)
