"""ResNet image-to-image generator of Johnson et al. (2016) as configured in CycleGAN (Zhu et al., 2017, appendix 7.2)."""

import torch
from torch import nn

from cyclekit.errors import ConfigError
from cyclekit.nets.norm import conv_bias, norm_layer


class ResidualBlock(nn.Module):
    """``x + F(x)`` with F = reflection pad, conv3x3, norm, ReLU, reflection pad, conv3x3, norm (He et al., 2016)."""

    def __init__(self, channels: int, norm: str):
        super().__init__()
        bias = conv_bias(norm)
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3, bias=bias),
            norm_layer(norm, channels),
            nn.ReLU(inplace=True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3, bias=bias),
            norm_layer(norm, channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    """c7s1-k, ``n_downsampling`` stride-2 convs, ``n_blocks`` residual blocks, as many stride-2 transposed convs, c7s1-out, tanh.

    With the defaults this is CycleGAN's 6-block generator for 128x128 images
    (Zhu et al., 2017). Inputs and outputs lie in [-1, 1]; height and width must
    be multiples of ``2 ** n_downsampling`` so that upsampling restores the size.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        base_channels: int = 64,
        n_blocks: int = 6,
        n_downsampling: int = 2,
        norm: str = "instance",
    ):
        super().__init__()
        if n_downsampling < 0 or n_blocks < 0:
            raise ConfigError(f"n_downsampling and n_blocks must be >= 0, got {n_downsampling} and {n_blocks}")
        self.n_downsampling = n_downsampling
        bias = conv_bias(norm)

        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(in_channels, base_channels, 7, bias=bias),
            norm_layer(norm, base_channels),
            nn.ReLU(inplace=True),
        ]
        channels = base_channels
        for _ in range(n_downsampling):
            layers += [
                nn.Conv2d(channels, channels * 2, 3, stride=2, padding=1, bias=bias),
                norm_layer(norm, channels * 2),
                nn.ReLU(inplace=True),
            ]
            channels *= 2
        layers += [ResidualBlock(channels, norm) for _ in range(n_blocks)]
        for _ in range(n_downsampling):
            layers += [
                nn.ConvTranspose2d(channels, channels // 2, 3, stride=2, padding=1, output_padding=1, bias=bias),
                norm_layer(norm, channels // 2),
                nn.ReLU(inplace=True),
            ]
            channels //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(channels, out_channels, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def check_input_size(self, height: int, width: int) -> None:
        """Raise ConfigError unless ``height`` x ``width`` images fit this generator.

        Both sides must be multiples of ``2 ** n_downsampling``, at least 4 (the
        first reflection pad of 3), and leave at least 2 pixels at the bottleneck
        (the residual blocks' reflection pad of 1).
        """
        factor = 2**self.n_downsampling
        smallest = max(4, 2 * factor)
        for side in (height, width):
            if side % factor or side < smallest:
                raise ConfigError(
                    f"image size {height}x{width} does not fit a generator with n_downsampling={self.n_downsampling}: "
                    f"sides must be multiples of {factor} and at least {smallest}"
                )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input_size(x.shape[-2], x.shape[-1])
        return self.model(x)
