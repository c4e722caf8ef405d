import numpy as np
import pytest
import torch

from cyclekit.data.facades_palette import (
    CMP_CLASSES,
    CMP_PALETTE,
    classes_to_colors,
    colors_to_classes,
    derive_palette,
    jet_position,
)
from cyclekit.errors import DataError


def test_palette_has_one_colour_per_class_in_jet_order():
    assert CMP_PALETTE.shape == (len(CMP_CLASSES), 3) and len(CMP_CLASSES) == 12
    positions = jet_position(CMP_PALETTE.numpy())
    assert np.all(np.diff(positions) > 0)


def test_derive_palette_recovers_noisy_colours_with_blended_borders():
    rng = np.random.default_rng(0)
    truth = CMP_PALETTE.numpy().astype(float)
    sizes = rng.integers(2_000, 20_000, len(truth))  # unequal class frequencies
    clusters = [truth[k] + rng.normal(0, 4, (size, 3)) for k, size in enumerate(sizes)]
    # JPEG-like blends of neighbouring classes, spread thinly between the peaks
    pairs = rng.integers(0, len(truth), (3_000, 2))
    weights = rng.uniform(size=(3_000, 1))
    blends = [weights * truth[pairs[:, 0]] + (1 - weights) * truth[pairs[:, 1]]]
    pixels = np.clip(np.concatenate(clusters + blends), 0, 255).round().astype(np.uint8)
    derived = derive_palette(rng.permutation(pixels))
    assert np.abs(derived - truth).max() < 3


def test_derive_palette_rejects_bad_input():
    with pytest.raises(DataError, match="uint8"):
        derive_palette(np.zeros((5, 3), np.float32))
    with pytest.raises(DataError, match="fewer than the 12"):
        derive_palette(np.zeros((5, 3), np.uint8))


def test_nearest_colour_of_noisy_uint8_and_generated_float_images():
    classes = torch.arange(12).reshape(1, 3, 4).repeat(2, 1, 1)
    clean = classes_to_colors(classes)
    assert clean.shape == (2, 3, 3, 4) and clean.dtype == torch.uint8
    noise = torch.randint(-20, 21, clean.shape, generator=torch.Generator().manual_seed(1))
    noisy = (clean.int() + noise).clamp(0, 255).to(torch.uint8)
    assert torch.equal(colors_to_classes(noisy), classes)
    generated = clean.float() / 127.5 - 1  # the model's [-1, 1] range, slightly out of it
    generated[0, :, 0, 0] = torch.tensor([-1.3, -1.2, 1.4])  # saturated blue: background
    assert torch.equal(colors_to_classes(generated), classes)


def test_bad_shapes():
    with pytest.raises(DataError, match="RGB label images"):
        colors_to_classes(torch.zeros(1, 1, 4, 4))
    with pytest.raises(DataError, match="class maps of shape"):
        classes_to_colors(torch.zeros(4, 4, dtype=torch.long))
