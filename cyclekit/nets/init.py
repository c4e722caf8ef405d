"""Weight initialization of CycleGAN (Zhu et al., 2017) and pix2pix (Isola et al., 2017)."""

from torch import nn

from cyclekit.errors import ConfigError

INIT_KINDS = ("normal", "xavier", "kaiming")


def init_weights(module: nn.Module, kind: str = "normal", gain: float = 0.02) -> nn.Module:
    """Initialize ``module`` in place and return it.

    Conv and linear weights: N(0, ``gain``) for ``"normal"`` (the CycleGAN
    default), Xavier-normal with ``gain`` (Glorot & Bengio, 2010), or
    Kaiming-normal (He et al., 2015). Norm-layer weights N(1, ``gain``).
    All biases 0.
    """
    if kind not in INIT_KINDS:
        raise ConfigError(f"unknown init {kind!r}; choose one of {', '.join(INIT_KINDS)}")
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            if kind == "normal":
                nn.init.normal_(layer.weight, 0.0, gain)
            elif kind == "xavier":
                nn.init.xavier_normal_(layer.weight, gain=gain)
            else:
                nn.init.kaiming_normal_(layer.weight, a=0.0, mode="fan_in")
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, (nn.BatchNorm2d, nn.InstanceNorm2d, nn.GroupNorm)) and layer.weight is not None:
            nn.init.normal_(layer.weight, 1.0, gain)
            nn.init.zeros_(layer.bias)
    return module
