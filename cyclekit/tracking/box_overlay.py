"""Boxes drawn into image tensors, for sample grids of trackers."""

from __future__ import annotations

import torch

GREEN = (-1.0, 0.8, -1.0)
RED = (1.0, -0.8, -0.8)
BLUE = (-0.8, -0.2, 1.0)


def draw_boxes(images: torch.Tensor, boxes: torch.Tensor, colour: tuple[float, float, float],
               mask: torch.Tensor | None = None, width: int = 1) -> torch.Tensor:
    """A copy of ``images`` (N, 3, H, W) in [-1, 1] with the outlines of ``boxes`` (N, K, 4)
    (or (N, 4)), ``x, y, w, h`` frame-normalised, drawn in ``colour``; ``mask`` (N, K) skips
    boxes."""
    images = images.detach().clone()
    boxes = boxes.detach().reshape(len(images), -1, 4).cpu()
    height, width_px = images.shape[-2:]
    paint = torch.tensor(colour, dtype=images.dtype, device=images.device)[:, None]
    for n in range(len(images)):
        for k, (x, y, w, h) in enumerate(boxes[n].tolist()):
            if mask is not None and not bool(mask[n, k]):
                continue
            x0 = max(0, min(width_px - 1, round(x * width_px)))
            x1 = max(0, min(width_px - 1, round((x + w) * width_px)))
            y0 = max(0, min(height - 1, round(y * height)))
            y1 = max(0, min(height - 1, round((y + h) * height)))
            for d in range(width):
                images[n, :, min(y0 + d, height - 1), x0:x1 + 1] = paint
                images[n, :, max(y1 - d, 0), x0:x1 + 1] = paint
                images[n, :, y0:y1 + 1, min(x0 + d, width_px - 1)] = paint
                images[n, :, y0:y1 + 1, max(x1 - d, 0)] = paint
    return images
