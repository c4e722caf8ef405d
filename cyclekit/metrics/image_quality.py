"""Full-reference image quality: SSIM (Wang et al., 2004), PSNR and MSE, on batches in [-1, 1]."""

import torch
from torchmetrics.functional.image import (
    peak_signal_noise_ratio,
    structural_similarity_index_measure,
)


def _to_unit_range(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Check two N x C x H x W batches match and map them from [-1, 1] to [0, 1]."""
    if a.shape != b.shape or a.ndim != 4:
        raise ValueError(f"expected two N x C x H x W batches of the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    return ((a.detach().float() + 1) / 2).clamp(0, 1), ((b.detach().float() + 1) / 2).clamp(0, 1)


def ssim(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean SSIM over the batch (Gaussian 11x11 window, data range 1); 1.0 for identical images."""
    a, b = _to_unit_range(a, b)
    return float(structural_similarity_index_measure(a, b, data_range=1.0))


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean over the batch of each image's PSNR in dB, peak 1 in [0, 1] scale; inf for identical images."""
    a, b = _to_unit_range(a, b)
    return float(peak_signal_noise_ratio(a, b, data_range=1.0, reduction="elementwise_mean", dim=(1, 2, 3)))


def mse(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean squared error in [0, 1] scale."""
    a, b = _to_unit_range(a, b)
    return float(torch.mean((a - b) ** 2))
