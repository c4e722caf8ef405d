import pytest
import torch

from cyclekit.translation.unet import UNet


@pytest.mark.parametrize("height, width", [(16, 16), (20, 28), (7, 9)])
def test_logits_per_pixel_at_any_size(height, width):
    net = UNet(3, 12, base_channels=4, depth=3)
    logits = net(torch.rand(2, 3, height, width) * 2 - 1)
    assert logits.shape == (2, 12, height, width)
    logits.sum().backward()
    assert all(p.grad is not None for p in net.parameters())


def test_depth_sets_the_number_of_levels():
    net = UNet(1, 2, base_channels=4, depth=2)
    assert len(net.down) == 3 and len(net.up) == 2
    assert net(torch.zeros(1, 1, 8, 8)).shape == (1, 2, 8, 8)
