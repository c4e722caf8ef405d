import pytest
import torch

from cyclekit.errors import ConfigError
from cyclekit.translation.patch_discriminator import (
    PatchDiscriminator,
    n_layers_for_image_size,
    patch_output_size,
    patch_receptive_field,
)


def test_receptive_fields():
    assert patch_receptive_field(3) == 70
    assert [patch_receptive_field(n) for n in (1, 2, 4)] == [16, 34, 142]


def test_standard_output_is_30x30_at_256px():
    assert patch_output_size(256, 3) == 30


def test_receptive_field_matches_gradient_support():
    # Every input pixel the centre output unit depends on lies inside a 70x70 window.
    discriminator = PatchDiscriminator(1, base_channels=4, n_layers=3, norm="none")
    image = torch.randn(1, 1, 128, 128, requires_grad=True)
    output = discriminator(image)
    centre = output.shape[-1] // 2
    output[0, 0, centre, centre].backward()
    rows, cols = image.grad[0, 0].abs().nonzero(as_tuple=True)
    assert rows.max() - rows.min() + 1 == 70
    assert cols.max() - cols.min() + 1 == 70


@pytest.mark.parametrize("size, expected", [(16, 1), (28, 1), (32, 2), (64, 3), (128, 3), (256, 3)])
def test_n_layers_for_image_size(size, expected):
    n_layers = n_layers_for_image_size(size)
    assert n_layers == expected
    assert patch_output_size(size, n_layers) >= 1


@pytest.mark.parametrize("size", [16, 32, 64])
@pytest.mark.parametrize("norm", ["instance", "batch"])
def test_output_shape(size, norm):
    n_layers = n_layers_for_image_size(size)
    discriminator = PatchDiscriminator(3, base_channels=8, n_layers=n_layers, norm=norm)
    side = patch_output_size(size, n_layers)
    assert discriminator(torch.randn(2, 3, size, size)).shape == (2, 1, side, side)


def test_too_small_raises_config_error():
    with pytest.raises(ConfigError):
        PatchDiscriminator(3, n_layers=3)(torch.randn(1, 3, 16, 16))
    with pytest.raises(ConfigError):
        n_layers_for_image_size(4)
