"""Parsing of the on-disk formats, on tiny generated files."""

import gzip

import h5py
import numpy as np
import pytest
import torch

from cyclekit.data.domain import load_domain
from cyclekit.data.idx import load_idx_split, read_idx
from cyclekit.data.semeion import load_semeion
from cyclekit.data.usps import load_usps
from cyclekit.errors import DataError


def test_idx_round_trip_and_labels(data_dir, register, write_idx):
    images = np.arange(5 * 4 * 3, dtype=np.uint8).reshape(5, 4, 3)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    write_idx(data_dir / "mnist" / "t10k-images-idx3-ubyte.gz", images)
    write_idx(data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz", labels)
    register("mnist/t10k-images-idx3-ubyte.gz")
    register("mnist/t10k-labels-idx1-ubyte.gz")

    loaded, loaded_labels = load_idx_split("mnist", "test", data_dir)

    np.testing.assert_array_equal(loaded, images[:, None])
    assert loaded_labels.dtype == np.int64 and loaded_labels.tolist() == [3, 1, 4, 1, 5]


def test_idx_with_wrong_length_is_rejected(tmp_path, write_idx):
    path = tmp_path / "bad.gz"
    write_idx(path, np.zeros((2, 3), dtype=np.uint8))
    truncated = path.with_name("truncated.gz")
    truncated.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())[:-1]))
    with pytest.raises(DataError, match="header says shape"):
        read_idx(truncated)


def test_usps_reshapes_rows_to_16x16(data_dir, register):
    path = data_dir / "usps" / "usps.h5"
    path.parent.mkdir()
    data = np.random.default_rng(0).random((6, 256), dtype=np.float32)
    with h5py.File(path, "w") as file:
        file["train/data"], file["train/target"] = data, np.arange(6, dtype=np.int32)
        file["test/data"], file["test/target"] = data[:2], np.arange(2, dtype=np.int32)
    register("usps/usps.h5")

    images, labels = load_usps("train", data_dir)

    assert images.shape == (6, 1, 16, 16) and labels.dtype == np.int64
    np.testing.assert_array_equal(images[1, 0, 0], data[1, :16])
    assert load_usps("test", data_dir)[0].shape == (2, 1, 16, 16)


def _write_semeion(path, labels):
    rng = np.random.default_rng(0)
    rows = []
    for label in labels:
        pixels = rng.integers(0, 2, 256).astype(float)
        rows.append(" ".join(f"{v:.4f}" for v in [*pixels, *np.eye(10)[label]]))
    path.parent.mkdir(parents=True)
    path.write_bytes("\r\n".join(rows).encode())


def test_semeion_split_is_stratified_disjoint_and_fixed(data_dir, register):
    _write_semeion(data_dir / "semeion" / "semeion.data", np.repeat(np.arange(10), 5))
    register("semeion/semeion.data")

    train_images, _ = load_semeion("train", data_dir)
    test_images, test_labels = load_semeion("test", data_dir)

    assert train_images.shape == (40, 1, 16, 16) and test_images.shape == (10, 1, 16, 16)
    assert set(np.unique(train_images)) <= {0.0, 1.0}
    assert np.bincount(test_labels).tolist() == [1] * 10
    np.testing.assert_array_equal(load_semeion("test", data_dir)[1], test_labels)


def test_semeion_as_mnist_is_semeion_framed_at_28_px_with_the_same_labels(data_dir, register):
    _write_semeion(data_dir / "semeion" / "semeion.data", np.repeat(np.arange(10), 5))
    register("semeion/semeion.data")

    framed = load_domain("semeion_as_mnist", "test", data_dir=data_dir, image_size=28, channels=1)
    plain = load_domain("semeion", "test", data_dir=data_dir, image_size=28, channels=1)

    assert framed.images.shape == (10, 1, 28, 28)
    assert torch.equal(framed.labels, plain.labels)
    assert not torch.equal(framed.images, plain.images)
    # MNIST's frame: about 4 px of background on every side, which the plain resize fills.
    assert framed.images[..., :3, :].max() == -1 and framed.images[..., -3:, :].max() == -1
    assert plain.images[..., :3, :].max() > -1


def test_semeion_without_one_hot_labels_is_rejected(data_dir, register):
    path = data_dir / "semeion" / "semeion.data"
    path.parent.mkdir()
    path.write_text("0 1 0\n1 0 0\n")
    register("semeion/semeion.data")
    with pytest.raises(DataError, match="one-hot"):
        load_semeion("train", data_dir)
