"""Random image augmentations: double augmentation (ACC paper, Sec. 3), contrastive views and
the labelled domain of unsupervised domain adaptation.

One random affine warp per image (a shift of up to ``max_shift`` pixels on each axis, a
rotation of up to ``max_rotation`` degrees and, with ``max_scale`` > 1, a zoom by a factor
drawn log-uniformly from [1 / max_scale, max_scale]), then Gaussian pixel noise. What the warp
brings in from outside the image is ``fill``: black (-1, right for digits on black), or the
image's own ``border`` pixels or ``reflection`` (for photos, whose borders black would mark
as warped). All randomness comes from the caller's ``torch.Generator``,
so a batcher that owns the generator stays deterministic and resumable; without a zoom the
draws are those of the warp alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from cyclekit.errors import ConfigError

# fill -> grid_sample's padding mode; "zeros" on images shifted to [0, 2] pads with -1.
PADDING_MODES = {"black": "zeros", "border": "border", "reflection": "reflection"}


@dataclass(frozen=True)
class Augmentation:
    max_shift: float = 4.0
    max_rotation: float = 15.0
    noise_std: float = 0.1
    max_scale: float = 1.0
    fill: str = "black"

    def __post_init__(self):
        for key in ("max_shift", "max_rotation", "noise_std"):
            if getattr(self, key) < 0:
                raise ConfigError(f"augmentation {key}={getattr(self, key)} must be >= 0")
        if self.max_scale < 1:
            raise ConfigError(f"augmentation max_scale={self.max_scale} must be >= 1 "
                              f"(1: no zoom)")
        if self.fill not in PADDING_MODES:
            raise ConfigError(f"augmentation fill={self.fill!r} must be one of "
                              f"{', '.join(PADDING_MODES)}")

    def __call__(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """A randomly warped and noised copy of ``images`` ``(N, C, H, W)`` in [-1, 1]."""
        count, _, height, width = images.shape

        def uniform(scale: float) -> torch.Tensor:
            return (torch.rand(count, generator=generator) * 2 - 1) * scale

        angle = uniform(math.radians(self.max_rotation))
        # affine_grid works in normalised coordinates: a shift of s pixels is 2 s / size.
        shift_x, shift_y = uniform(self.max_shift) * 2 / width, uniform(self.max_shift) * 2 / height
        # affine_grid maps output to input coordinates, so a zoom by s divides the rotation.
        zoom = uniform(math.log(self.max_scale)).exp() if self.max_scale > 1 else 1.0
        cos, sin = angle.cos() / zoom, angle.sin() / zoom
        theta = torch.stack([torch.stack([cos, -sin, shift_x], -1),
                             torch.stack([sin, cos, shift_y], -1)], 1).to(images)
        grid = F.affine_grid(theta, list(images.shape), align_corners=False)
        warped = F.grid_sample(images + 1, grid, align_corners=False,
                               padding_mode=PADDING_MODES[self.fill]) - 1
        noise = torch.randn(images.shape, generator=generator).to(images) * self.noise_std
        return (warped + noise).clamp(-1, 1)
