"""The LeNet trunk: flattened features, or the unstrided map for convolutional codes."""

import torch

from cyclekit.nets.lenet import LeNetTrunk


def test_flat_and_spatial_outputs_have_the_advertised_shapes():
    images = torch.randn(3, 1, 28, 28)
    flat = LeNetTrunk(1, 28, width=4)
    assert flat(images).shape == (3, flat.out_features) and flat.out_features == 16 * 4 * 4
    spatial = LeNetTrunk(1, 28, width=4, spatial=True)
    assert spatial.out_shape == (16, 7, 7)
    assert spatial(images).shape == (3, 16, 7, 7)
