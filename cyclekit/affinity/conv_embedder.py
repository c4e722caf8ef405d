"""The embedding network of ACC (ACC paper, Appendix A, Tables 3-4): 3 x 3 convolutions with
'valid' padding and ReLU, flatten, a dense ReLU layer, a linear embedding.

Weights are He-initialised (biases 0): with PyTorch's default initialisation the embeddings
of dSprites start ~1e-3 apart, so far inside the temperature's length scale that the ACC
loss sits at log n with gradients below Adam's epsilon; He initialisation starts them ~0.5
apart, inside the length scale as Appendix A asks but trainable.

``standardise=True`` ends the network with a batch normalisation without scale and shift, so
the embedding keeps zero mean and unit variance per dimension over every batch (running
statistics at evaluation). Its spread can then no longer shrink: the ACC loss cannot escape
a cycle that returns worse than chance by collapsing to the log n plateau (docs/acc.md).
"""

from __future__ import annotations

import torch
from torch import nn

from cyclekit.errors import ConfigError
from cyclekit.nets.init import init_weights


class ConvEmbedder(nn.Module):
    def __init__(self, in_channels: int, image_size: int, channels: list[int], strides: list[int],
                 dense_units: int, embedding_dim: int, standardise: bool = False):
        super().__init__()
        if len(channels) != len(strides) or not channels:
            raise ConfigError(f"need one stride per convolution, got channels {channels} and "
                              f"strides {strides}")
        layers: list[nn.Module] = []
        previous = in_channels
        for width, stride in zip(channels, strides):
            layers += [nn.Conv2d(previous, width, 3, stride=stride), nn.ReLU()]
            previous = width
        self.features = nn.Sequential(*layers, nn.Flatten())
        with torch.no_grad():
            try:
                flat = self.features(torch.zeros(1, in_channels, image_size, image_size)).shape[1]
            except RuntimeError:
                raise ConfigError(f"{len(channels)} valid 3x3 convolutions with strides {strides} "
                                  f"do not fit {image_size}x{image_size} images; use fewer or "
                                  f"stride 1") from None
        head: list[nn.Module] = [nn.Linear(flat, dense_units), nn.ReLU(),
                                 nn.Linear(dense_units, embedding_dim)]
        if standardise:
            head.append(nn.BatchNorm1d(embedding_dim, affine=False))
        self.head = nn.Sequential(*head)
        init_weights(self, "kaiming")

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Embeddings ``(N, embedding_dim)`` of images ``(N, C, H, W)``."""
        return self.head(self.features(images))
