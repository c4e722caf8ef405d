"""The facades loader and palette on the real shared data; skipped where it is absent."""

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from cyclekit.data.domain import load_domain
from cyclekit.data.facades import load_class_maps, load_facades
from cyclekit.data.facades_palette import CMP_PALETTE, colors_to_classes, derive_palette

REAL_DATA = Path(os.environ.get("CYCLEKIT_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data")
pytestmark = pytest.mark.skipif(not (REAL_DATA / "facades" / "SHA256SUMS").is_file(),
                                reason="no shared facades data")


def test_real_facades_splits_and_pairing():
    photos = load_domain("facades_photo", "test", data_dir=REAL_DATA, image_size=32)
    labels = load_domain("facades_labels", "train", data_dir=REAL_DATA, image_size=32, limit=8)
    assert photos.images.shape == (106, 3, 32, 32) and labels.images.shape == (8, 3, 32, 32)


def test_palette_derives_again_from_a_subset_of_the_training_label_maps():
    labels, _ = load_facades("labels", "train", REAL_DATA)
    pixels = labels[::8].transpose(0, 2, 3, 1).reshape(-1, 3)
    assert np.abs(derive_palette(pixels) - CMP_PALETTE.numpy()).max() < 6


def test_ground_truth_class_maps_cover_every_class():
    truth = load_class_maps("test", REAL_DATA, 64)
    assert truth.shape == (106, 64, 64)
    assert torch.bincount(truth.flatten(), minlength=12).min() > 0
    # label maps downsampled to 64 px and read by nearest colour mostly agree (borders blur)
    small = load_domain("facades_labels", "test", data_dir=REAL_DATA, image_size=64).images
    assert (colors_to_classes(small) == truth).float().mean() > 0.8
