import numpy as np
import pytest
import torch

from cyclekit.data.transforms import LUMA_601, to_model_images
from cyclekit.errors import DataError


def test_uint8_gray_to_rgb_resized_in_range():
    images = np.random.default_rng(0).integers(0, 256, (4, 1, 28, 28), dtype=np.uint8)
    out = to_model_images(images, 32, 3)
    assert out.shape == (4, 3, 32, 32) and out.dtype == torch.float32
    assert out.min() >= -1 and out.max() <= 1
    assert torch.equal(out[:, 0], out[:, 2])


def test_rgb_to_gray_uses_bt601_luma():
    images = np.zeros((1, 3, 2, 2), dtype=np.float32)
    images[0, 1] = 1.0
    out = to_model_images(images, 2, 1)
    torch.testing.assert_close(out, torch.full((1, 1, 2, 2), LUMA_601[1] * 2 - 1))


@pytest.mark.parametrize("images", [np.zeros((2, 2, 8, 8), np.uint8), np.full((1, 1, 4, 4), 2.0, np.float32)])
def test_bad_shape_or_range_is_rejected(images):
    with pytest.raises(DataError):
        to_model_images(images, 8, 3)
