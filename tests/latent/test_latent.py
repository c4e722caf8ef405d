"""Latent-space figures: code scatter plots and the decoder manifold over a grid of z."""

import numpy as np
import pytest
import torch
from PIL import Image

from cyclekit.latent.figures import (
    grid_codes,
    save_decoder_manifold,
    save_latent_scatter,
)


def test_grid_codes_span_the_ranges_row_by_row_from_the_top():
    codes = grid_codes((-1.0, 2.0), (-3.0, 0.0), size=4)
    assert codes.shape == (16, 2)
    assert codes[0].tolist() == [-1.0, 0.0] and codes[3].tolist() == [2.0, 0.0]
    assert codes[-1].tolist() == [2.0, -3.0]


def test_decoder_manifold_tiles_the_decoded_grid(tmp_path):
    def decode(z):  # a 2x3 image whose brightness is z1
        return z[:, :1, None, None].expand(-1, 1, 2, 3).clamp(-1, 1)

    path = save_decoder_manifold(decode, tmp_path / "m.png", z1_range=(-1, 1), z2_range=(0, 1),
                                 size=5)
    pixels = np.asarray(Image.open(path))
    assert pixels.shape == (5 * 2, 5 * 3)
    assert pixels[0, 0] == 0 and pixels[0, -1] == 255  # left column z1 = -1, right z1 = 1


def test_scatter_plots_with_and_without_labels(tmp_path):
    codes = torch.randn(200, 2)
    plain = save_latent_scatter(codes, tmp_path / "a.png", title="prior")
    coloured = save_latent_scatter(codes, tmp_path / "b.png", labels=torch.arange(200) % 10,
                                   limits=((-3, 3), (-3, 3)))
    assert Image.open(plain).size == Image.open(coloured).size
    with pytest.raises(ValueError, match="\\(N, 2\\)"):
        save_latent_scatter(torch.randn(5, 3), tmp_path / "c.png")
