import pytest
import torch

from cyclekit.adaptation.a_distance import proxy_a_distance
from cyclekit.errors import DataError


def test_separable_domains_are_two_apart():
    generator = torch.Generator().manual_seed(0)
    source = torch.randn(400, 10, generator=generator)
    target = torch.randn(400, 10, generator=generator) + 4.0
    assert proxy_a_distance(source, target) == pytest.approx(2.0, abs=0.05)


def test_samples_of_one_distribution_are_about_zero_apart():
    generator = torch.Generator().manual_seed(1)
    source = torch.randn(1000, 10, generator=generator)
    target = torch.randn(1000, 10, generator=generator)
    assert abs(proxy_a_distance(source, target)) < 0.25


def test_images_are_flattened_and_tiny_samples_refused():
    generator = torch.Generator().manual_seed(2)
    images = torch.rand(60, 1, 4, 4, generator=generator)
    assert 1.5 < proxy_a_distance(images, images.flip(-1) + 1.0) <= 2.0
    with pytest.raises(DataError, match="at least 4"):
        proxy_a_distance(images[:3], images)
