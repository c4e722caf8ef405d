"""PatchGAN discriminator of pix2pix (Isola et al., 2017) and CycleGAN (Zhu et al., 2017), scalable to small images."""

import torch
from torch import nn

from cyclekit.errors import ConfigError
from cyclekit.nets.norm import conv_bias, norm_layer

KERNEL = 4
PADDING = 1
MAX_CHANNEL_MULTIPLIER = 8


def patch_receptive_field(n_layers: int) -> int:
    """Side in pixels of the input patch each output unit sees; 70 for the standard ``n_layers=3``.

    Two stride-1 4x4 convs see 7 px; each stride-2 4x4 conv below them maps a
    field of r px to 2r + 2 px.
    """
    field = 7
    for _ in range(n_layers):
        field = 2 * field + 2
    return field


def patch_output_size(image_size: int, n_layers: int) -> int:
    """Side of the discriminator's output map for square ``image_size`` inputs (<= 0 means the image is too small)."""
    size = image_size
    for _ in range(n_layers):
        size = (size + 2 * PADDING - KERNEL) // 2 + 1
    for _ in range(2):
        size = size + 2 * PADDING - KERNEL + 1
    return size


def n_layers_for_image_size(image_size: int, max_layers: int = 3) -> int:
    """Pick ``n_layers`` so that one patch covers at most about the whole image.

    Rule: the largest ``n_layers`` in [1, ``max_layers``] whose receptive field
    is at most 10% larger than ``image_size`` (patches at the border overlap
    the zero padding anyway). This gives 1 layer (16 px) for 16-28 px images,
    2 layers (34 px) for 32 px, and the standard 3 layers (70 px) from 64 px up,
    which is what CycleGAN uses at 256 px. Raises ConfigError when even one
    layer would leave no output.
    """
    if patch_output_size(image_size, 1) < 1:
        raise ConfigError(f"image size {image_size} is too small for a PatchGAN discriminator (minimum 6)")
    n_layers = 1
    while n_layers < max_layers and patch_receptive_field(n_layers + 1) <= 1.1 * image_size:
        n_layers += 1
    return n_layers


class PatchDiscriminator(nn.Module):
    """C64 (no norm) - C128 - ... - C(k, stride 1) - conv to 1 channel; 4x4 convs, LeakyReLU(0.2).

    Outputs one real/fake logit per overlapping patch of side
    ``patch_receptive_field(n_layers)`` (70x70 for ``n_layers=3``). Channels
    double per layer up to ``8 * base_channels``.
    """

    def __init__(self, in_channels: int, base_channels: int = 64, n_layers: int = 3, norm: str = "instance"):
        super().__init__()
        if n_layers < 1:
            raise ConfigError(f"n_layers must be >= 1, got {n_layers}")
        self.n_layers = n_layers
        bias = conv_bias(norm)

        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, base_channels, KERNEL, stride=2, padding=PADDING),
            nn.LeakyReLU(0.2, inplace=True),
        ]
        channels = base_channels
        for layer in range(1, n_layers + 1):
            stride = 2 if layer < n_layers else 1
            next_channels = base_channels * min(2**layer, MAX_CHANNEL_MULTIPLIER)
            layers += [
                nn.Conv2d(channels, next_channels, KERNEL, stride=stride, padding=PADDING, bias=bias),
                norm_layer(norm, next_channels),
                nn.LeakyReLU(0.2, inplace=True),
            ]
            channels = next_channels
        layers.append(nn.Conv2d(channels, 1, KERNEL, stride=1, padding=PADDING))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        smallest = min(x.shape[-2], x.shape[-1])
        if patch_output_size(smallest, self.n_layers) < 1:
            raise ConfigError(
                f"image size {x.shape[-2]}x{x.shape[-1]} is too small for a PatchGAN with n_layers={self.n_layers}; "
                f"use n_layers_for_image_size({smallest})"
            )
        return self.model(x)
