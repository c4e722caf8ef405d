import os
from pathlib import Path

import pytest
import torch

from cyclekit.affinity.factors import DSPRITES_FACTORS, load_dsprites, make_squares
from cyclekit.data.augment import Augmentation
from cyclekit.errors import ConfigError, DataError

REAL_DATA = Path(os.environ.get("CYCLEKIT_DATA")
                 or Path(__file__).resolve().parents[3] / "shared" / "data")


def test_generated_squares_are_a_complete_factor_grid():
    squares = make_squares(image_size=16, positions=4, sizes=3, shades=3)
    assert squares.images.shape == (144, 1, 16, 16)
    assert len({tuple(row) for row in squares.factors.tolist()}) == 144
    assert squares.factor_sizes == (4, 4, 3, 3)
    assert squares.images.min() == -1 and squares.images.max() == 1
    ink = (squares.images > -1).flatten(1).sum(1)
    sizes = squares.factors[:, squares.factor_index("size")]
    assert torch.equal(ink, (sizes + 2) ** 2)  # a square of side size + 2
    with pytest.raises(DataError, match="too small"):
        make_squares(image_size=5)


def test_augmentation_is_seeded_and_bounded():
    images = make_squares().images[:10]
    augment = Augmentation(max_shift=2, max_rotation=10, noise_std=0.05)
    first = augment(images, torch.Generator().manual_seed(0))
    again = augment(images, torch.Generator().manual_seed(0))
    assert torch.equal(first, again) and first.shape == images.shape
    assert first.min() >= -1 and first.max() <= 1 and not torch.equal(first, images)
    still = Augmentation(0, 0, 0)(images, torch.Generator().manual_seed(0))
    assert torch.allclose(still, images, atol=1e-5)  # the identity warp keeps the images
    with pytest.raises(ConfigError):
        Augmentation(noise_std=-1)


def test_a_zoom_scales_the_ink_within_its_bounds():
    square = -torch.ones(64, 1, 32, 32)
    square[:, :, 12:20, 12:20] = 1  # an 8-pixel square in the centre
    zoomed = Augmentation(0, 0, 0, max_scale=2)(square, torch.Generator().manual_seed(0))
    sides = (zoomed > 0).any(dim=3)[:, 0].sum(dim=1).float()
    assert sides.min() >= 8 / 2 - 1 and sides.max() <= 8 * 2 + 1
    assert (sides < 7).any() and (sides > 9).any()  # both shrunk and enlarged
    with pytest.raises(ConfigError, match="max_scale"):
        Augmentation(max_scale=0.5)


def test_the_fill_decides_what_a_warp_brings_in_from_outside():
    photo = torch.full((8, 3, 16, 16), 0.5)  # a flat grey photo: only the fill can change it
    shrink = {"max_shift": 0, "max_rotation": 0, "noise_std": 0, "max_scale": 2}
    black = Augmentation(**shrink)(photo, torch.Generator().manual_seed(0))
    assert (black < 0).any()  # black (-1) corners where an image was shrunk
    for fill in ("border", "reflection"):
        filled = Augmentation(**shrink, fill=fill)(photo, torch.Generator().manual_seed(0))
        assert torch.allclose(filled, photo, atol=1e-5)  # the photo's own pixels instead
    with pytest.raises(ConfigError, match="fill='grey'"):
        Augmentation(fill="grey")


@pytest.mark.skipif(not (REAL_DATA / "dsprites" / "dsprites_downsampled.npz").is_file(),
                    reason="no shared dSprites file")
def test_real_dsprites_is_the_complete_grid(tmp_path, monkeypatch):
    monkeypatch.setenv("CYCLEKIT_CACHE", str(tmp_path / "cache"))
    data = load_dsprites(REAL_DATA, image_size=16)
    assert data.images.shape == (46080, 1, 16, 16) and data.factor_names == DSPRITES_FACTORS
    assert data.factor_sizes == (3, 6, 10, 16, 16)
    codes = (data.factors * torch.tensor([15360, 2560, 256, 16, 1])).sum(1)  # row-major
    assert torch.equal(codes.sort().values, torch.arange(46080))  # every combination once
    assert data.images.min() == -1 and data.images.max() == 1
