"""The LeNet trunk: flattened features, or the unstrided map for convolutional codes."""

import pytest
import torch

from cyclekit.adaptation.lenet import LeNetTrunk


def test_flat_and_spatial_outputs_have_the_advertised_shapes():
    images = torch.randn(3, 1, 28, 28)
    flat = LeNetTrunk(1, 28, width=4)
    assert flat(images).shape == (3, flat.out_features) and flat.out_features == 16 * 4 * 4
    spatial = LeNetTrunk(1, 28, width=4, spatial=True)
    assert spatial.out_shape == (16, 7, 7)
    assert spatial(images).shape == (3, 16, 7, 7)


def test_instance_input_norm_ignores_each_images_brightness_and_contrast():
    torch.manual_seed(0)
    images = torch.randn(4, 3, 28, 28)
    trunk = LeNetTrunk(3, 28, width=4, input_norm="instance").eval()
    plain = LeNetTrunk(3, 28, width=4).eval()
    scale = torch.tensor([0.5, 2.0, 3.0, 0.1])[:, None, None, None]
    shift = torch.tensor([1.0, -0.5, 0.2, 0.0])[:, None, None, None]
    torch.testing.assert_close(trunk(images * scale + shift), trunk(images), rtol=1e-3, atol=1e-3)
    assert not torch.allclose(plain(images * scale + shift), plain(images), atol=1e-2)


def test_unknown_input_norm_is_refused():
    with pytest.raises(ValueError, match="input_norm must be one of"):
        LeNetTrunk(1, 28, input_norm="batch")
