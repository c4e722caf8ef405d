"""Normalization layers selectable by name, shared by the generator and the discriminator."""

from torch import nn

from cyclekit.errors import ConfigError

NORM_KINDS = ("instance", "batch", "none")


def norm_layer(kind: str, channels: int) -> nn.Module:
    """Return the normalization layer named ``kind`` for ``channels`` feature maps.

    ``"instance"`` is InstanceNorm without affine parameters, as in CycleGAN
    (Zhu et al., 2017) following Ulyanov et al. (2016); ``"batch"`` is BatchNorm
    (Ioffe & Szegedy, 2015); ``"none"`` is the identity.
    """
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=False)
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "none":
        return nn.Identity()
    raise ConfigError(f"unknown norm {kind!r}; choose one of {', '.join(NORM_KINDS)}")


def conv_bias(kind: str) -> bool:
    """Whether a convolution followed by norm ``kind`` needs its own bias (BatchNorm's shift makes it redundant)."""
    return kind != "batch"
