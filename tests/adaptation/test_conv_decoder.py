"""The source decoder of CDLM: vector codes and convolutional (spatial) codes."""

import pytest
import torch

from cyclekit.adaptation.conv_decoder import ConvDecoder


def test_vector_code_decodes_to_an_image_in_tanh_range():
    decoder = ConvDecoder(8, out_channels=3, image_size=16, width=4).eval()
    images = decoder(torch.randn(5, 8))
    assert images.shape == (5, 3, 16, 16)
    assert images.abs().max() <= 1.0


def test_spatial_code_is_local():
    """A change at one corner of a (2, 8, 8) code reaches at most 12 pixels of the 32 px image
    (a conv3x3, two 4x4 / 2 transposed convs and a conv3x3 see only a neighbourhood)."""
    torch.manual_seed(0)
    decoder = ConvDecoder(2 * 8 * 8, out_channels=1, image_size=32, width=4,
                          code_channels=2).eval()
    codes = torch.randn(1, 2, 8, 8)
    changed = codes.clone()
    changed[0, :, 0, 0] += 5.0
    before, after = decoder(codes.flatten(1)), decoder(changed.flatten(1))
    assert not torch.allclose(before[..., :4, :4], after[..., :4, :4])
    assert torch.equal(before[..., 12:, 12:], after[..., 12:, 12:])


def test_spatial_code_size_must_match_the_maps():
    with pytest.raises(ValueError, match="2 maps of 4 x 4 has 32 values, not 30"):
        ConvDecoder(30, out_channels=1, image_size=16, code_channels=2)
