import pytest
import torch

from cyclekit.affinity.digit_style import slant, thickness
from cyclekit.errors import DataError


def _bar(width: int, shear: float, size: int = 28) -> torch.Tensor:
    """A vertical bar of ``width`` pixels and rows 4..23, shifted right by shear per row up."""
    image = -torch.ones(1, 1, size, size)
    for row in range(4, 24):
        left = round(12 + shear * (14 - row))
        image[0, 0, row, left:left + width] = 1
    return image


def test_upright_and_slanted_bars():
    assert slant(_bar(3, 0.0)).item() == pytest.approx(0.0, abs=1e-6)
    assert slant(_bar(2, 0.3)).item() == pytest.approx(0.3, abs=0.03)
    assert slant(_bar(2, -0.3)).item() == pytest.approx(-0.3, abs=0.03)


def test_thickness_is_two_area_over_perimeter():
    # a 20 x w rectangle: A = 20 w, P = 2 (20 + w)
    for width in (1, 2, 4):
        assert thickness(_bar(width, 0.0)).item() == pytest.approx(40 * width / (40 + 2 * width))
    images = torch.cat([_bar(1, 0.0), _bar(3, 0.0)])
    low, high = thickness(images).tolist()
    assert low < high


def test_style_needs_one_channel_images():
    with pytest.raises(DataError, match="one-channel"):
        slant(torch.zeros(2, 3, 8, 8))
