import numpy as np
import pytest
import torch
from PIL import Image

from cyclekit.viz.grid import GAP_PX, image_grid_array, save_image_grid


def test_png_dimensions_and_upscaling(tmp_path):
    gray = torch.linspace(-1, 1, 5 * 16 * 16).reshape(5, 1, 16, 16)
    color = torch.rand(3, 3, 16, 16) * 2 - 1
    path = save_image_grid([gray, color], tmp_path / "grid.png")
    width, height = Image.open(path).size
    cell = 48  # 16 px upscaled 3x
    assert (width, height) == (5 * (cell + GAP_PX) + GAP_PX, 2 * (cell + GAP_PX) + GAP_PX)
    assert list(tmp_path.iterdir()) == [path]


def test_pixel_values_and_nearest_neighbour():
    image = -torch.ones(1, 1, 32, 32)
    image[0, 0, 0, 0] = 1
    grid = image_grid_array([image])
    assert grid.dtype == np.uint8 and grid.shape[2] == 3
    assert (grid[GAP_PX : GAP_PX + 2, GAP_PX : GAP_PX + 2] == 255).all()  # 32 px upscaled 2x
    assert (grid[GAP_PX + 2, GAP_PX + 2] == 0).all()


def test_labels_widen_grid_and_nrow_max_limits_columns():
    images = torch.zeros(20, 3, 64, 64)
    plain = image_grid_array([images], nrow_max=4)
    labelled = image_grid_array([images], row_labels=["x \u2192 y"], nrow_max=4)
    assert plain.shape[1] == 4 * (64 + GAP_PX) + GAP_PX
    assert labelled.shape[0] == plain.shape[0] and labelled.shape[1] > plain.shape[1]
    assert (labelled[:, : labelled.shape[1] - plain.shape[1]] < 128).any()  # some label ink


def test_bad_inputs():
    with pytest.raises(ValueError):
        image_grid_array([torch.zeros(1, 1, 16, 16), torch.zeros(1, 1, 32, 32)])
    with pytest.raises(ValueError):
        image_grid_array([torch.zeros(1, 2, 16, 16)])
    with pytest.raises(ValueError):
        image_grid_array([torch.zeros(1, 1, 16, 16)], row_labels=["a", "b"])


def test_palette_png_keeps_the_picture_and_rejects_bad_sizes(tmp_path):
    smooth = torch.nn.functional.interpolate(torch.rand(4, 3, 4, 4), size=16, mode="bilinear")
    photos = smooth * 2 - 1  # smooth colour fields, like photos rather than noise
    exact = image_grid_array([photos])
    path = save_image_grid([photos], tmp_path / "grid.png", max_colors=256)
    stored = Image.open(path)
    assert stored.mode == "P"
    error = np.abs(np.asarray(stored.convert("RGB")).astype(int) - exact.astype(int))
    assert error.mean() < 8  # of 255
    with pytest.raises(ValueError, match="between 2 and 256"):
        save_image_grid([photos], tmp_path / "bad.png", max_colors=1000)
    assert not (tmp_path / "bad.png").exists()
