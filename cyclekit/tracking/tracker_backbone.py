"""The feature extractor of the correlation-filter tracker: DCFNet / UDT's shallow design
(Wang et al., CVPR 2019: conv3x3-ReLU-conv3x3), with configurable widths.
Same-size padding keeps feature maps at the crop's size so the filter's response is in crop
pixels. DCFNet's final local response normalisation (alpha = 1e-4) is left out: on these
features it changes values by about 1e-5 (relative), yet it took half of the tracker's time
per frame on the CPU."""

from __future__ import annotations

from torch import nn


class TrackerBackbone(nn.Sequential):
    def __init__(self, channels: list[int], in_channels: int = 3):
        layers: list[nn.Module] = []
        previous = in_channels
        for index, width in enumerate(channels):
            layers.append(nn.Conv2d(previous, width, 3, padding=1))
            if index < len(channels) - 1:
                layers.append(nn.ReLU(inplace=True))
            previous = width
        super().__init__(*layers)
        self.out_channels = previous
