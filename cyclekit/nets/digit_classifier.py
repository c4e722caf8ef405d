"""Small CNN digit classifier used as a frozen judge of translation accuracy (cf. the DTN evaluation of Taigman et al., 2017)."""

import torch
from torch import nn


def conv_bn_relu(in_channels: int, out_channels: int) -> list[nn.Module]:
    """Conv3x3 - BatchNorm (Ioffe & Szegedy, 2015) - ReLU, size preserving."""
    return [
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    ]


class DigitClassifier(nn.Module):
    """LeNet-style CNN (LeCun et al., 1998): three conv-BN-ReLU-maxpool blocks (32, 64, 128 channels),
    one more conv, global average pooling, dropout, linear layer.

    Global pooling makes it accept any image side >= 16 px. Inputs lie in
    [-1, 1]; the output is one logit per class.
    """

    def __init__(self, in_channels: int, num_classes: int = 10):
        super().__init__()
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.features = nn.Sequential(
            *conv_bn_relu(in_channels, 32),
            nn.MaxPool2d(2),
            *conv_bn_relu(32, 64),
            nn.MaxPool2d(2),
            *conv_bn_relu(64, 128),
            nn.MaxPool2d(2),
            *conv_bn_relu(128, 128),
        )
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(128, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
