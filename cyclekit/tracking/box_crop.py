"""Differentiable crops: resample windows of frames with ``grid_sample`` so that the crop, and
everything computed from it, has gradients with respect to the window (the box)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def crop_windows(frames: torch.Tensor, windows: torch.Tensor, size: int) -> torch.Tensor:
    """Crops (B, K, C, size, size) of ``frames`` (B, C, H, W) at ``windows`` (B, K, 4):
    ``cx, cy, w, h`` in frame-normalised coordinates. Outside the frame reads zero."""
    batch, count = windows.shape[:2]
    cx, cy, w, h = windows.reshape(-1, 4).unbind(-1)
    zero = torch.zeros_like(cx)
    theta = torch.stack([torch.stack([w, zero, 2 * cx - 1], -1),
                         torch.stack([zero, h, 2 * cy - 1], -1)], dim=-2)
    grid = F.affine_grid(theta, [batch * count, frames.shape[1], size, size], align_corners=False)
    source = frames[:, None].expand(-1, count, -1, -1, -1).reshape(batch * count, *frames.shape[1:])
    crops = F.grid_sample(source, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return crops.reshape(batch, count, frames.shape[1], size, size)
