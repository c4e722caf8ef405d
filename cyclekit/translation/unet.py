"""A small U-Net (Ronneberger et al., 2015): the fully-convolutional segmenter of FCN scores."""

import torch
import torch.nn.functional as F
from torch import nn

from cyclekit.nets.digit_classifier import conv_bn_relu


def double_conv(in_channels: int, out_channels: int) -> nn.Sequential:
    """Two size-preserving Conv3x3-BatchNorm-ReLU layers, one U-Net level."""
    return nn.Sequential(*conv_bn_relu(in_channels, out_channels),
                         *conv_bn_relu(out_channels, out_channels))


class UNet(nn.Module):
    """Encoder of ``depth`` max-pool downsamplings (channels doubling from ``base_channels``),
    a mirrored decoder of transposed-conv upsamplings with skip connections by concatenation,
    and a 1x1 conv to one logit per class and pixel.

    Inputs ``(N, C, H, W)`` in [-1, 1] of any size: sides that ``2**depth`` does not divide are
    padded (replicating the border) and the logits cropped back to ``H x W``.
    """

    def __init__(self, in_channels: int, num_classes: int, base_channels: int = 16,
                 depth: int = 3):
        super().__init__()
        self.in_channels, self.num_classes, self.depth = in_channels, num_classes, depth
        widths = [base_channels * 2 ** level for level in range(depth + 1)]
        self.down = nn.ModuleList([double_conv(in_channels, widths[0])] + [
            double_conv(widths[level - 1], widths[level]) for level in range(1, depth + 1)])
        self.upsample = nn.ModuleList([
            nn.ConvTranspose2d(widths[level], widths[level - 1], 2, stride=2)
            for level in range(depth, 0, -1)])
        self.up = nn.ModuleList([double_conv(2 * widths[level - 1], widths[level - 1])
                                 for level in range(depth, 0, -1)])
        self.head = nn.Conv2d(widths[0], num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        multiple = 2 ** self.depth
        pad_h, pad_w = -height % multiple, -width % multiple
        if pad_h or pad_w:
            x = F.pad(x, [0, pad_w, 0, pad_h], mode="replicate")
        skips = []
        for level, block in enumerate(self.down):
            x = block(x if level == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        x = skips.pop()
        for upsample, block in zip(self.upsample, self.up):
            x = block(torch.cat([skips.pop(), upsample(x)], dim=1))
        return self.head(x)[..., :height, :width]
