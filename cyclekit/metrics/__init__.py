"""Metrics: image quality (SSIM, PSNR, MSE) and a frozen classifier judge of translation accuracy."""

from cyclekit.metrics.classifier_judge import (
    accuracy,
    cached_judge,
    predict,
    train_judge,
)
from cyclekit.metrics.image_quality import mse, psnr, ssim

__all__ = ["accuracy", "cached_judge", "mse", "predict", "psnr", "ssim", "train_judge"]
