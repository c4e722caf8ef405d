"""cyclekit/data/mnist_framing.py: MNIST's 20 px box, centring by mass, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from cyclekit.data.domain import list_domains
from cyclekit.data.mnist_framing import frame_like_mnist
from cyclekit.errors import DataError


def test_a_frame_filling_digit_is_fitted_in_20_px_with_its_aspect_and_centred_by_mass():
    image = np.zeros((1, 1, 16, 16), dtype=np.float32)
    image[0, 0, :, 4:12] = 1.0  # 16 tall, 8 wide: fills the frame's height like a USPS digit
    framed = frame_like_mnist(image)[0, 0]
    assert framed.shape == (28, 28) and framed.dtype == np.float32
    ink = framed > 0.5
    assert ink.any(axis=1).sum() == 20 and ink.any(axis=0).sum() == 10
    rows, cols = np.indices(framed.shape)
    assert abs((rows * framed).sum() / framed.sum() - 13.5) <= 0.5
    assert abs((cols * framed).sum() / framed.sum() - 13.5) <= 0.5
    assert framed.min() >= 0.0 and framed.max() <= 1.0


def test_an_off_centre_digit_is_moved_to_the_centre_and_an_empty_image_stays_empty():
    images = np.zeros((2, 1, 16, 16), dtype=np.float32)
    images[0, 0, 0:4, 0:2] = 1.0  # a small stroke in the top-left corner
    framed = frame_like_mnist(images)
    rows, cols = np.indices((28, 28))
    assert abs((rows * framed[0, 0]).sum() / framed[0, 0].sum() - 13.5) <= 0.5
    assert abs((cols * framed[0, 0]).sum() / framed[0, 0].sum() - 13.5) <= 0.5
    assert not framed[1].any()


def test_colour_images_are_refused_and_the_domains_are_listed():
    with pytest.raises(DataError, match=r"expected grey images of shape \(N, 1, H, W\)"):
        frame_like_mnist(np.zeros((2, 3, 16, 16), dtype=np.float32))
    assert {"usps_as_mnist", "semeion_as_mnist"} <= set(list_domains())
