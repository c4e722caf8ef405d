import pytest
import torch

from cyclekit.errors import ConfigError
from cyclekit.translation.resnet_generator import ResnetGenerator


@pytest.mark.parametrize("size", [16, 32, 48])
@pytest.mark.parametrize("norm", ["instance", "batch", "none"])
def test_output_shape_and_range(size, norm):
    generator = ResnetGenerator(1, 3, base_channels=8, n_blocks=2, norm=norm)
    output = generator(torch.randn(2, 1, size, size) * 3)
    assert output.shape == (2, 3, size, size)
    assert output.min() >= -1 and output.max() <= 1


def test_non_square_and_three_downsamplings():
    generator = ResnetGenerator(3, 3, base_channels=4, n_blocks=1, n_downsampling=3)
    assert generator(torch.randn(1, 3, 32, 48)).shape == (1, 3, 32, 48)


@pytest.mark.parametrize("height, width", [(30, 32), (32, 18), (4, 4)])
def test_bad_sizes_raise_config_error(height, width):
    generator = ResnetGenerator(3, 3, base_channels=4, n_blocks=1)
    with pytest.raises(ConfigError, match="multiples of 4"):
        generator(torch.randn(1, 3, height, width))


def test_unknown_norm():
    with pytest.raises(ConfigError, match="unknown norm"):
        ResnetGenerator(3, 3, norm="layer")
