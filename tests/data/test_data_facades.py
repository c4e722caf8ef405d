import numpy as np
import pytest
import torch

from cyclekit.data.domain import load_domain
from cyclekit.data.facades import (
    facade_files,
    load_class_maps,
    load_facades,
    mode_downsample,
)
from cyclekit.data.facades_palette import colors_to_classes
from cyclekit.data.pair import DataConfig, load_pair
from cyclekit.errors import DataError
from tests.facades_files import COUNTS, block_classes, register_facades, write_facades

SIDE = 32


@pytest.fixture
def facades(data_dir, monkeypatch):
    root = write_facades(data_dir, side=SIDE)
    register_facades(monkeypatch, data_dir)
    return root


def test_halves_load_as_two_domains_in_file_number_order(facades, data_dir):
    photos = load_domain("facades_photo", "train", data_dir=data_dir, image_size=16)
    labels = load_domain("facades_labels", "train", data_dir=data_dir, image_size=SIDE)
    assert photos.images.shape == (COUNTS["train"], 3, 16, 16) and photos.labels is None
    assert labels.images.shape == (COUNTS["train"], 3, SIDE, SIDE)
    # file 10 comes after file 9 (numbers, not text order) and holds its own label map
    expected = np.stack([block_classes(number, SIDE) for number in range(1, COUNTS["train"] + 1)])
    agreement = (colors_to_classes(labels.images) == torch.from_numpy(expected)).float().mean()
    assert agreement > 0.97
    raw_photos, _ = load_facades("photo", "test", data_dir)
    raw_labels, _ = load_facades("labels", "test", data_dir)
    assert raw_photos.shape == (COUNTS["test"], 3, SIDE, SIDE) and raw_photos.dtype == np.uint8
    # the left half is the photo: the label map with its channels reversed
    assert np.abs(raw_photos.astype(int) - raw_labels[:, ::-1].astype(int)).mean() < 3


@pytest.mark.parametrize("size", [16, 20, 64])
def test_any_model_resolution(facades, data_dir, size):
    domain = load_domain("facades_labels", "test", data_dir=data_dir, image_size=size, channels=1)
    assert domain.images.shape == (COUNTS["test"], 1, size, size)
    assert domain.images.min() >= -1 and domain.images.max() <= 1


def test_val_folder_is_read_only_directly(facades, data_dir):
    assert len(facade_files("val", data_dir)) == COUNTS["val"]
    with pytest.raises(DataError, match="unknown split 'val'"):
        load_domain("facades_photo", "val", data_dir=data_dir)
    with pytest.raises(DataError, match="unknown facades folder 'dev'"):
        facade_files("dev", data_dir)
    with pytest.raises(DataError, match="unknown facades half"):
        load_facades("sketch", "train", data_dir)


def test_pair_of_facades_domains_is_paired(facades, data_dir):
    data = DataConfig(x="facades_photo", y="facades_labels", image_size=16,
                      data_dir=str(data_dir), val_size=2, limit_test=4)
    pair = load_pair(data, seed=3)
    assert pair.paired and len(pair.x.train.images) == COUNTS["train"] - 2
    # the seeded test subset is the same images in both domains
    assert (pair.x.test.images - pair.y.test.images.flip(1)).abs().mean() < 0.05


def test_class_maps_mode_downsampled_and_limited_like_the_domain(facades, data_dir):
    maps = load_class_maps("test", data_dir, 8)
    blocks = np.stack([block_classes(n, SIDE) for n in range(1, COUNTS["test"] + 1)])
    # each 8 px block becomes a 2 x 2 cell of its class
    assert torch.equal(maps, torch.from_numpy(blocks[:, ::4, ::4].copy()))
    limited = load_class_maps("test", data_dir, 8, limit=3, seed=5)
    chosen = load_domain("facades_labels", "test", data_dir=data_dir, image_size=SIDE,
                         limit=3, seed=5)
    assert torch.equal(limited, mode_downsample(colors_to_classes(chosen.images), 8))


def test_mode_downsample_takes_the_majority():
    maps = torch.tensor([[[1, 1, 2, 2],
                          [1, 3, 2, 2],
                          [0, 0, 4, 5],
                          [0, 5, 5, 4]]])
    assert torch.equal(mode_downsample(maps, 2, num_classes=6), torch.tensor([[[1, 2], [0, 4]]]))
    assert torch.equal(mode_downsample(maps, 4, num_classes=6), maps)


def test_missing_file_names_it_and_the_layout(facades, data_dir):
    (facades / "test" / "3.jpg").unlink()
    with pytest.raises(DataError, match=r"missing dataset file .*test/3\.jpg.*test/1\.\.106\.jpg"):
        load_domain("facades_photo", "test", data_dir=data_dir)


def test_missing_sums_and_corrupt_files(facades, data_dir):
    (facades / "train" / "2.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match=r"corrupt dataset file .*train/2\.jpg"):
        load_domain("facades_labels", "train", data_dir=data_dir)
    (facades / "SHA256SUMS").unlink()
    with pytest.raises(DataError, match="missing dataset file .*SHA256SUMS"):
        load_domain("facades_labels", "test", data_dir=data_dir)


def test_wrong_shape_is_a_one_line_error(data_dir, monkeypatch):
    root = write_facades(data_dir, side=SIDE, counts={"train": 2, "test": 1})
    from PIL import Image

    from cyclekit.data.checksum import file_sha256

    square = root / "test" / "1.jpg"
    Image.fromarray(np.zeros((SIDE, SIDE, 3), np.uint8)).save(square)
    sums = (root / "SHA256SUMS").read_text().splitlines()
    sums[-1] = f"{file_sha256(square)}  test/1.jpg"
    (root / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    register_facades(monkeypatch, data_dir)
    with pytest.raises(DataError, match=r"test/1\.jpg is 32x32; expected photo \| label map"):
        load_domain("facades_photo", "test", data_dir=data_dir)
