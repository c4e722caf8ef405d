"""``folder:PATH`` domains: reading any image mode, the recursive listing, the test split
(CycleGAN's sibling folder or the fixed seeded one), classes of the ImageFolder layout, and
the configs that name folders."""

from __future__ import annotations

import copy
import shutil

import numpy as np
import pytest
from PIL import Image

from cyclekit.config import build_config
from cyclekit.data.domain import load_domain
from cyclekit.data.image_folder import (check_folder_name, class_folders, decode, folder_split,
                                        read_pixels, scan)
from cyclekit.data.pair import DataConfig, _load_splits
from cyclekit.errors import ConfigError, DataError
from tests.conftest import TINY, TINY_UDA
from tests.test_folder_domains import write_digits

MODES = {
    "L": lambda: Image.fromarray(np.full((5, 7), 200, np.uint8), "L"),
    "RGB": lambda: Image.fromarray(np.full((9, 6, 3), (255, 0, 0), np.uint8), "RGB"),
    "RGBA": lambda: Image.fromarray(np.dstack([np.full((6, 6, 3), 255, np.uint8),
                                               np.zeros((6, 6), np.uint8)]), "RGBA"),
    "P": lambda: Image.fromarray(np.full((8, 8, 3), (0, 0, 255), np.uint8), "RGB").convert(
        "P", palette=Image.ADAPTIVE),
    "I;16": lambda: Image.fromarray(np.full((4, 4), 65535, np.uint16)),
    "LA": lambda: Image.fromarray(np.full((6, 6), 255, np.uint8), "L").convert("LA"),
}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("channels", [1, 3])
def test_every_mode_is_read_at_the_channels_and_size_asked(mode, channels, tmp_path):
    path = tmp_path / "image.png"
    MODES[mode]().save(path)
    pixels = read_pixels(path, channels)
    assert pixels.ndim == 4 and pixels.shape[:2] == (1, channels)
    assert pixels.dtype == np.float32 and 0 <= pixels.min() and pixels.max() <= 1
    images = decode([path], 16, channels)
    assert images.shape == (1, channels, 16, 16) and -1 <= images.min() and images.max() <= 1


def test_pixels_keep_their_meaning(tmp_path):
    for mode in ("RGB", "RGBA", "I;16", "P"):
        MODES[mode]().save(tmp_path / f"{mode.replace(';', '')}.png")
    red = read_pixels(tmp_path / "RGB.png", 3)[0, :, 0, 0]
    assert np.allclose(red, [1, 0, 0])
    assert np.allclose(read_pixels(tmp_path / "RGB.png", 1)[0, 0, 0, 0], 0.299, atol=0.01)
    assert read_pixels(tmp_path / "RGBA.png", 3).max() == 0  # transparent over black
    assert np.allclose(read_pixels(tmp_path / "I16.png", 1), 1)  # 16-bit full scale
    assert np.allclose(read_pixels(tmp_path / "P.png", 3)[0, :, 0, 0], [0, 0, 1], atol=0.02)


def test_the_listing_is_recursive_sorted_and_skips_hidden_files(tmp_path):
    write_digits(tmp_path / "a", 4, nested=True)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "notes.txt").write_text("ignored")
    (tmp_path / "a" / ".DS_Store").write_bytes(b"\0")
    (tmp_path / "a" / "Thumbs.db").write_bytes(b"\0")
    files = scan(tmp_path)
    assert len(files) == 4 and files == sorted(files)
    assert any(p.parent.name == "more" for p in files)


def test_cyclegan_layout_takes_the_sibling_test_folder(tmp_path):
    write_digits(tmp_path / "trainA", 10)
    write_digits(tmp_path / "testA", 3, start=100)
    name = f"folder:{tmp_path / 'trainA'}"
    train, test = folder_split(name, "train"), folder_split(name, "test")
    assert sorted(train.files) == scan(tmp_path / "trainA")
    assert test.files == scan(tmp_path / "testA")


def test_the_seeded_split_is_fixed_disjoint_and_covers_the_folder(tmp_path):
    write_digits(tmp_path / "photos", 11)
    name = f"folder:{tmp_path / 'photos'}"
    train, test = folder_split(name, "train"), folder_split(name, "test")
    assert set(train.files).isdisjoint(test.files)
    assert sorted(train.files + test.files) == scan(tmp_path / "photos")
    assert len(test.files) == 2  # 20% of 11
    assert folder_split(name, "train").files == train.files  # the same every time
    assert folder_split(name, "test").files == test.files


def test_a_labelled_folder_is_split_per_class(tmp_path):
    write_digits(tmp_path / "src", 30, classes=("0", "1", "2"))
    name = f"folder:{tmp_path / 'src'}"
    assert class_folders(tmp_path / "src") == ["0", "1", "2"]
    classes = ["0", "1", "2"]
    train = folder_split(name, "train", classes=classes)
    test = folder_split(name, "test", classes=classes)
    assert set(np.unique(test.labels)) == {0, 1, 2}
    for files, labels in ((train.files, train.labels), (test.files, test.labels)):
        assert [classes[label] for label in labels] == [p.parent.name for p in files]
    with pytest.raises(DataError, match="differ from the run's classes"):
        folder_split(name, "train", classes=["0", "1", "3"])


def test_a_folder_domain_loads_with_its_validation_slice_from_training(tmp_path):
    write_digits(tmp_path / "x", 20)
    name = f"folder:{tmp_path / 'x'}"
    data = DataConfig(x=name, y=name, image_size=16, channels=1, val_size=4)
    data.validate()
    assert list(data.folders) == [name]
    splits = _load_splits(data, name, 0)
    assert (len(splits.train.images), len(splits.val.images), len(splits.test.images)) == (12, 4, 4)
    assert splits.train.labels is None and splits.train.images.shape[1:] == (1, 16, 16)
    limited = load_domain(name, "train", image_size=16, channels=3, limit=5, seed=1)
    assert limited.images.shape == (5, 3, 16, 16)


def test_a_new_config_checks_its_folders_and_records_their_splits(tmp_path):
    write_digits(tmp_path / "trainA", 8)
    write_digits(tmp_path / "testA", 2, start=50)
    write_digits(tmp_path / "photos", 8, start=100)
    x, y = f"folder:{tmp_path / 'trainA'}", f"folder:{tmp_path / 'photos'}"
    data = DataConfig(x=x, y=y, val_size=2)
    data.validate()
    assert data.folders[x].endswith("testA") and data.folders[y].startswith("seeded")
    with pytest.raises(DataError, match="does not exist"):
        DataConfig(x="folder:/nowhere/trainA", y="digits").validate()
    with pytest.raises(DataError, match="lower data.val_size"):
        DataConfig(x=x, y=y, val_size=8).validate()
    # a saved run's config, already recorded, loads where its images are not
    DataConfig(x="folder:/nowhere/trainA", y="digits",
               folders={"folder:/nowhere/trainA": "seeded"}).validate()
    built = DataConfig(x="digits", y="digits_m", folders={x: "stale"})
    built.validate()
    assert built.folders is None  # the record follows the domains in use
    with pytest.raises(ConfigError, match="names no folder"):
        check_folder_name("data.x", "folder: ")
    with pytest.raises(ConfigError, match="folder:PATH"):
        DataConfig(x="nosuch").validate()
    with pytest.raises(ConfigError, match="data.folders"):
        DataConfig(x=x, y=y, val_size=2, folders=["no"]).validate()


def test_an_adaptation_config_records_its_folder_source_classes(tmp_path):
    write_digits(tmp_path / "src", 12, classes=("0", "1", "2"))
    for old, new in (("0", "bird"), ("1", "cat"), ("2", "dog")):
        (tmp_path / "src" / old).rename(tmp_path / "src" / new)
    raw = {"method": "source_only", **copy.deepcopy(TINY_UDA["source_only"])}
    raw["data"].update(source=f"folder:{tmp_path / 'src'}", target="digits_m", val_size=2)
    with pytest.raises(ConfigError, match="set data.num_classes=3"):
        build_config(copy.deepcopy(raw))
    raw["data"]["num_classes"] = 3
    config = build_config(copy.deepcopy(raw))
    assert config.data.class_names == ["bird", "cat", "dog"]
    saved = config.to_dict()
    shutil.rmtree(tmp_path / "src")  # the run's config still loads where its images are not
    assert build_config(saved).data.class_names == ["bird", "cat", "dog"]
    assert list(build_config(saved).data.folders) == [raw["data"]["source"]]
    assert build_config(saved).fingerprint() == config.fingerprint()
    with pytest.raises(ConfigError, match="class_names"):
        build_config({**raw, "data": {**raw["data"], "source": "digits", "num_classes": 10,
                                      "class_names": ["a", "b"]}})
    plain = build_config({"method": "cyclegn", **copy.deepcopy(TINY)})
    assert plain.data.x == "digits"
