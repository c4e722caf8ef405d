"""scikit-learn digits and their blended variant (no data directory needed)."""

import numpy as np
import pytest
import torch

import cyclekit.data.sklearn_digits as sklearn_digits
from cyclekit.data.domain import load_domain
from cyclekit.data.sklearn_digits import load_sklearn_digits_m


def test_digits_shapes_range_and_split_sizes():
    train = load_domain("digits", "train", image_size=16, channels=1)
    test = load_domain("digits", "test", image_size=16, channels=1)
    assert train.images.shape == (1437, 1, 16, 16) and test.images.shape == (360, 1, 16, 16)
    assert train.images.min() >= -1 and train.images.max() <= 1
    assert train.labels.dtype == torch.int64 and set(train.labels.tolist()) == set(range(10))


def test_digits_m_matches_digits_labels_and_is_reproducible():
    plain = load_domain("digits", "test")
    blended = load_domain("digits_m", "test")
    assert blended.images.shape == (360, 3, 32, 32)
    assert torch.equal(blended.labels, plain.labels)
    assert torch.equal(load_domain("digits_m", "test").images, blended.images)
    assert not torch.equal(blended.images[:, 0], blended.images[:, 1])


def test_limit_is_seeded_and_a_prefix_of_the_same_shuffle():
    first = load_domain("digits", limit=20, seed=4)
    longer = load_domain("digits", limit=40, seed=4)
    other = load_domain("digits", limit=20, seed=5)
    assert torch.equal(first.images, longer.images[:20])
    assert not torch.equal(first.labels, other.labels)


@pytest.mark.parametrize("split", ["train", "test"])
def test_digits_m_backgrounds_come_from_the_split_photos(split, monkeypatch):
    seen = []

    def flat_photos(requested):
        seen.append(requested)
        value = 100 if requested == "train" else 30
        return [np.full((20, 20, 3), value, dtype=np.uint8), np.full((12, 30, 3), value, np.uint8)]

    monkeypatch.setattr(sklearn_digits, "background_photos", flat_photos)
    images, _ = load_sklearn_digits_m(split)
    assert seen == [split]
    blank = images[:, :, 0, 0]  # the corner pixel of these digits is always 0
    assert np.all(blank == (100 if split == "train" else 30))


def test_train_and_test_backgrounds_are_disjoint_parts_of_both_photos():
    train, test = sklearn_digits.background_photos("train"), sklearn_digits.background_photos("test")
    assert len(train) == len(test) == 2
    for train_part, test_part in zip(train, test):
        assert train_part.shape[0] == test_part.shape[0]
        assert train_part.shape[1] > 2 * test_part.shape[1]  # 70 % / 30 % of the width
