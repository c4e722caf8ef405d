"""Batched conversion of raw image arrays to model tensors: scale, channels, size."""

import numpy as np
import torch
import torch.nn.functional as F

from cyclekit.errors import DataError

# ITU-R BT.601 luma weights for R, G, B.
LUMA_601 = (0.299, 0.587, 0.114)


def to_unit_tensor(images: np.ndarray) -> torch.Tensor:
    """float32 tensor in [0, 1] from uint8 (0..255) or float ([0, 1]) ``(N, C, H, W)`` images."""
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise DataError(f"expected images of shape (N, 1|3, H, W), got {images.shape}")
    tensor = torch.tensor(images, dtype=torch.float32)  # a copy: safe to modify in place
    if images.dtype == np.uint8:
        return tensor.div_(255)
    if tensor.numel() and (tensor.min() < 0 or tensor.max() > 1):
        raise DataError(f"float images must lie in [0, 1], got [{tensor.min():.3g}, {tensor.max():.3g}]")
    return tensor


def convert_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    """Gray to RGB by repetition, RGB to gray by BT.601 luminance."""
    if images.shape[1] == channels:
        return images
    if channels == 3:
        return images.expand(-1, 3, -1, -1).contiguous()
    weights = images.new_tensor(LUMA_601).view(1, 3, 1, 1)
    return (images * weights).sum(dim=1, keepdim=True)


def resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """Bilinear, antialiased resize of a batch to ``size`` x ``size``."""
    if images.shape[-2:] == (size, size):
        return images
    return F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False, antialias=True)


def to_model_images(images: np.ndarray, image_size: int, channels: int) -> torch.Tensor:
    """``(N, channels, image_size, image_size)`` float32 tensor in [-1, 1]."""
    tensor = to_unit_tensor(images)
    if channels < tensor.shape[1]:
        tensor = resize(convert_channels(tensor, channels), image_size)
    else:
        tensor = convert_channels(resize(tensor, image_size), channels)
    # Antialiased resampling can stray past the ends by float rounding.
    return tensor.mul_(2).sub_(1).clamp_(-1, 1)
