"""A LeNet / DTN-style convolutional trunk (LeCun et al. 1998; Taigman et al. 2017) for 16-32 px
digits and clothes: the shared backbone of CDLM's encoder and of the adaptation baselines."""

from __future__ import annotations

import torch
from torch import nn

from cyclekit.adaptation.domain_batch_norm import (
    BATCH_NORMS,
    SOURCE,
    TARGET,
    DomainBatchNorm2d,
)

INPUT_NORMS = ("none", "instance")


class LeNetTrunk(nn.Module):
    """conv5x5(w)-BN-ReLU-pool, conv5x5(2w)-BN-ReLU-pool, conv3x3/2(4w)-BN-ReLU, flatten.

    At 28 px the map is 4 x 4 (7 -> 4 by the strided conv), at 32 px also 4 x 4; ``out_features``
    is the length of the flattened activations h' of the last convolution. ``spatial=True``
    keeps the map instead: the last convolution is unstrided and not flattened, so the output
    is (4w, s, s) with s = image_size / 4 (``out_shape``). ``input_norm="instance"`` first
    standardises each image's channels to zero mean and unit variance (instance normalisation
    without parameters, as VADA / DIRT-T put at the input of their digit networks): an image's
    brightness and contrast, e.g. an MNIST-M background's, then no longer reach the network.
    ``batch_norm="per_domain"`` keeps one set of batch-norm statistics per domain
    (:class:`~cyclekit.adaptation.domain_batch_norm.DomainBatchNorm2d`); ``domain`` then picks them.
    """

    def __init__(self, in_channels: int, image_size: int, width: int = 32, *,
                 spatial: bool = False, input_norm: str = "none", batch_norm: str = "shared"):
        super().__init__()
        if input_norm not in INPUT_NORMS:
            raise ValueError(f"input_norm must be one of {INPUT_NORMS}, got {input_norm!r}")
        if batch_norm not in BATCH_NORMS:
            raise ValueError(f"batch_norm must be one of {BATCH_NORMS}, got {batch_norm!r}")
        self.per_domain = batch_norm == "per_domain"
        norm = DomainBatchNorm2d if self.per_domain else nn.BatchNorm2d
        layers = [nn.InstanceNorm2d(in_channels)] if input_norm == "instance" else []
        layers += [
            nn.Conv2d(in_channels, width, 5, padding=2, bias=False), norm(width),
            nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 5, padding=2, bias=False), norm(2 * width),
            nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, stride=1 if spatial else 2, padding=1, bias=False),
            norm(4 * width), nn.ReLU(inplace=True)]
        side = image_size // 4 if spatial else (image_size // 4 + 1) // 2
        if not spatial:
            layers.append(nn.Flatten())
        self.layers = nn.Sequential(*layers)
        self.out_shape = (4 * width, side, side)
        self.out_features = 4 * width * side * side

    def forward(self, images: torch.Tensor, domain: int = SOURCE) -> torch.Tensor:
        if not self.per_domain:
            return self.layers(images)
        for layer in self.layers:
            images = layer(images, domain) if isinstance(layer, DomainBatchNorm2d) else layer(images)
        return images

    def forward_domains(self, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """h' of source then target images in one tensor: one pass over the concatenated batch
        when batch norm is shared (both domains normalised together), one per domain otherwise."""
        if not self.per_domain:
            return self.layers(torch.cat([source, target]))
        return torch.cat([self(source, SOURCE), self(target, TARGET)])


FEATURE_ACTIVATIONS = {"relu": lambda: nn.ReLU(inplace=True), "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


class LeNetClassifier(nn.Module):
    """:class:`LeNetTrunk`, a fully connected feature layer (``activation``, dropout) and a
    linear head: the classifier of the adaptation baselines (features f = :meth:`features`) and
    CDLM's image-level task classifier. ``activation="sigmoid"`` with ``feature_dim=64`` is
    CDLM's encoder path to its feature classifier, h = sigmoid(W_h h' + b_h) (Hou et al., Eq. 1)."""

    def __init__(self, in_channels: int, image_size: int, num_classes: int, *, width: int = 32,
                 feature_dim: int = 128, dropout: float = 0.0, activation: str = "relu",
                 input_norm: str = "none", batch_norm: str = "shared"):
        super().__init__()
        self.trunk = LeNetTrunk(in_channels, image_size, width, input_norm=input_norm,
                                batch_norm=batch_norm)
        self.feature = nn.Sequential(nn.Linear(self.trunk.out_features, feature_dim),
                                     FEATURE_ACTIVATIONS[activation](), nn.Dropout(dropout))
        self.head = nn.Linear(feature_dim, num_classes)

    def features(self, images: torch.Tensor, domain: int = SOURCE) -> torch.Tensor:
        return self.feature(self.trunk(images, domain))

    def features_domains(self, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Features of source then target images (:meth:`LeNetTrunk.forward_domains`)."""
        return self.feature(self.trunk.forward_domains(source, target))

    def forward(self, images: torch.Tensor, domain: int = SOURCE) -> torch.Tensor:
        return self.head(self.features(images, domain))
