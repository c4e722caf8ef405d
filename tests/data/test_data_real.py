"""Loads from the real shared data directory; skipped where it is absent."""

import os
from pathlib import Path

import pytest
import torch

from cyclekit.data.domain import load_domain

REAL_DATA = Path(os.environ.get("CYCLEKIT_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data")
pytestmark = pytest.mark.skipif(not (REAL_DATA / "MANIFEST.md").is_file(), reason="no shared data directory")

USPS_TEST_COUNTS = [359, 264, 198, 166, 200, 160, 170, 147, 166, 177]


@pytest.mark.parametrize("name", ["mnist", "fashion", "usps", "semeion"])
def test_real_domain_loads_with_limit(name):
    domain = load_domain(name, "test", data_dir=REAL_DATA, image_size=32, channels=1, limit=64)
    assert domain.images.shape == (64, 1, 32, 32)
    assert domain.images.min() >= -1 and domain.images.max() <= 1
    assert domain.labels.shape == (64,) and 0 <= domain.labels.min() and domain.labels.max() <= 9


def test_real_usps_test_class_counts():
    domain = load_domain("usps", "test", data_dir=REAL_DATA, image_size=16, channels=1)
    assert torch.bincount(domain.labels).tolist() == USPS_TEST_COUNTS


def test_real_mnistm_with_limit_matches_mnist_labels():
    mnistm = load_domain("mnistm", "train", data_dir=REAL_DATA, limit=32, seed=1)
    mnist = load_domain("mnist", "train", data_dir=REAL_DATA, limit=32, seed=1)
    assert mnistm.images.shape == (32, 3, 32, 32)
    assert torch.equal(mnistm.labels, mnist.labels)
