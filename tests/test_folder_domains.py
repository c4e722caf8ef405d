"""Folders of your own images as domains, through the real command line (in-process).

Small folders are written on the fly from scikit-learn's digits (PNG files of several sizes,
some grey, some RGB): a tiny CycleGN trained on CycleGAN's layout (trainA / trainB / testA /
testB) then ``translate``; a tiny source-only adaptation from an ImageFolder source (one
sub-folder per class) to an unlabelled target folder, then ``predict`` with class names; and
the bad folders, each one line, exit 2, no traceback, no checkpoint.
"""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image
from sklearn.datasets import load_digits

from cyclekit.cli import main
from tests.conftest import TINY, TINY_UDA

CLASSES = ("0", "1", "2")


def digit_image(pixels: np.ndarray, size: int, mode: str, rng, *, invert: bool = False,
                ) -> Image.Image:
    """An 8x8 digit of scikit-learn's as a ``size`` px image, grey (``L``) or coloured."""
    grey = pixels.reshape(8, 8) / 16
    grey = 1 - grey if invert else grey
    image = Image.fromarray((grey * 255).astype(np.uint8), "L").resize((size, size),
                                                                       Image.BILINEAR)
    if mode == "L":
        return image
    ink = np.asarray(image, dtype=np.float32)[..., None] / 255
    rgb = ink * rng.uniform(0.4, 1, 3) + (1 - ink) * rng.uniform(0, 0.3, 3)
    return Image.fromarray((rgb * 255).astype(np.uint8), "RGB")


def write_digits(folder: Path, count: int, *, start: int = 0, classes: tuple | None = None,
                 mode: str | None = None, invert: bool = False, nested: bool = False) -> Path:
    """``count`` digit PNGs under ``folder`` (sizes 8..24 px, grey and RGB mixed unless
    ``mode``); with ``classes`` one sub-folder per class holding its digits only; ``nested``
    puts every other image one folder deeper."""
    digits = load_digits()
    rng = np.random.default_rng(start)
    written, index = 0, start
    while written < count:
        label = str(int(digits.target[index]))
        if classes is None or label in classes:
            where = folder / label if classes is not None else folder
            where = where / "more" if nested and written % 2 else where
            where.mkdir(parents=True, exist_ok=True)
            chosen = mode or ("L" if written % 3 == 0 else "RGB")
            digit_image(digits.data[index], int(rng.integers(8, 25)), chosen, rng,
                        invert=invert).save(where / f"img_{index:04d}.png")
            written += 1
        index += 1
    return folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("folders")
    photos = root / "digits2inverted"
    write_digits(photos / "trainA", 24)
    write_digits(photos / "testA", 6, start=300)
    write_digits(photos / "trainB", 24, start=600, invert=True, mode="RGB")
    write_digits(photos / "testB", 6, start=900, invert=True, mode="RGB")
    write_digits(root / "labelled", 36, classes=CLASSES)
    write_digits(root / "unlabelled", 18, start=1200, mode="RGB", invert=True, nested=True)
    return root


def _preset(root: Path, name: str, settings: dict) -> Path:
    path = root / f"{name}.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


def translation_preset(root: Path) -> Path:
    settings = {"method": "cyclegn", **copy.deepcopy(TINY)}
    settings["data"].update(x=f"folder:{root}/digits2inverted/trainA",
                            y=f"folder:{root}/digits2inverted/trainB", limit_train=None,
                            limit_test=None, val_size=4)
    return _preset(root, "translation", settings)


def adaptation_preset(root: Path, method: str = "source_only") -> Path:
    settings = {"method": method, **copy.deepcopy(TINY_UDA[method])}
    settings["data"].update(source=f"folder:{root}/labelled", target=f"folder:{root}/unlabelled",
                            num_classes=len(CLASSES), limit_train=None, limit_test=None,
                            val_size=4)
    return _preset(root, f"adaptation_{method}", settings)


def test_translation_on_two_folders_then_translate(folders, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", str(translation_preset(folders)), "--out", str(run),
                 "--no-progress"]) == 0
    metrics = json.loads((run / "metrics.json").read_text())
    assert "testA" in metrics["data/x_split"] and metrics["data/x_split"].startswith("6 test")
    assert "testB" in metrics["data/y_split"]
    recorded = yaml.safe_load((run / "config.yaml").read_text())["data"]["folders"]
    assert recorded[f"folder:{folders}/digits2inverted/trainA"].endswith("testA")
    assert "test/acc_note" in metrics and not any(k.startswith("test/acc_x") for k in metrics)
    assert np.isfinite(metrics["test/cycle_l1_x"])
    out = tmp_path / "translated"
    test_a = folders / "digits2inverted" / "testA"
    assert main(["translate", str(run), str(test_a), "--direction", "x2y", "--out",
                 str(out)]) == 0
    written = sorted(p.name for p in out.rglob("*.png"))
    assert written == sorted(p.name for p in test_a.glob("*.png"))


def test_adaptation_from_class_folders_to_an_unlabelled_folder_then_predict(folders, tmp_path):
    run = tmp_path / "run"
    assert main(["train", str(adaptation_preset(folders)), "--out", str(run),
                 "--no-progress"]) == 0
    config = yaml.safe_load((run / "config.yaml").read_text())
    assert config["data"]["class_names"] == list(CLASSES)
    metrics = json.loads((run / "metrics.json").read_text())
    assert "test/target_acc" not in metrics and "unlabelled" in metrics["test/target_acc_note"]
    assert 0 <= metrics["test/source_acc"] <= 1
    assert metrics["data/class_names"] == ",".join(CLASSES)
    assert "seeded" in metrics["data/source_split"]
    out = tmp_path / "preds.csv"
    moved = folders / "labelled_moved"  # the run needs no training images to predict
    (folders / "labelled").rename(moved)
    try:
        assert main(["predict", str(run), str(folders / "unlabelled"), "--out", str(out)]) == 0
    finally:
        moved.rename(folders / "labelled")
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert len(rows) == 18 and list(rows[0]) == ["path", "label", "class", "confidence"]
    assert all(row["class"] == CLASSES[int(row["label"])] for row in rows)


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> dict[str, Path]:
    """Each a folder (or path) that a run must refuse."""
    root = tmp_path_factory.mktemp("bad")
    made = {"missing": root / "nowhere", "empty": root / "empty", "one": root / "one",
            "broken": root / "broken", "truncated": root / "truncated",
            "not_images": root / "not_images", "a_file": root / "a_file.png",
            "empty_class": root / "empty_class", "loose": root / "loose",
            "one_class": root / "one_class", "good": root / "good"}
    write_digits(made["good"], 10)
    made["empty"].mkdir()
    write_digits(made["one"], 1)
    write_digits(made["broken"], 10)
    (made["broken"] / "broken.png").write_bytes(b"\x89PNG not really")
    write_digits(made["truncated"], 10)
    whole = next(made["truncated"].glob("*.png"))
    whole.write_bytes(whole.read_bytes()[:60])
    write_digits(made["not_images"], 10)
    (made["not_images"] / "notes.txt").write_text("not an image\n")
    write_digits(root, 1, start=5)
    next(root.glob("img_*.png")).rename(made["a_file"])
    write_digits(made["empty_class"], 12, classes=CLASSES)
    (made["empty_class"] / "3").mkdir()
    write_digits(made["loose"], 12, classes=CLASSES)
    write_digits(made["loose"], 1, start=2)
    write_digits(made["one_class"], 6, classes=("0",))
    return made


# (id, which preset, the option set to a bad folder, which folder, a phrase the line holds);
# all but images that cannot be decoded (and target_only's need of labels) are refused before
# the run folder is made
AT_LOAD = ("x-unreadable-image", "y-truncated-image", "target-unreadable-image",
           "target-only-on-unlabelled-folder")
BAD = [
    ("x-missing", "translation", "data.x", "missing", "does not exist"),
    ("x-empty", "translation", "data.x", "empty", "holds no image files"),
    ("x-one-image", "translation", "data.x", "one", "holds 1 image"),
    ("x-fewer-than-val-size", "translation", "data.x", "broken", "lower data.val_size"),
    ("x-unreadable-image", "translation", "data.x", "broken", "cannot be read"),
    ("y-truncated-image", "translation", "data.y", "truncated", "cannot be read"),
    ("x-non-image-file", "translation", "data.x", "not_images", "are not images"),
    ("x-a-file", "translation", "data.x", "a_file", "is a file"),
    ("source-missing", "adaptation", "data.source", "missing", "does not exist"),
    ("source-class-without-images", "adaptation", "data.source", "empty_class",
     "holds no image files"),
    ("source-images-outside-classes", "adaptation", "data.source", "loose", "lie directly"),
    ("source-one-class", "adaptation", "data.source", "one_class", "at least two"),
    ("source-classes-not-num-classes", "adaptation", "data.source", "empty_class",
     "data.num_classes"),
    ("target-empty", "adaptation", "data.target", "empty", "holds no image files"),
    ("target-unreadable-image", "adaptation", "data.target", "broken", "cannot be read"),
    ("target-only-on-unlabelled-folder", "target_only", "data.target", "good",
     "unlabelled folder"),
]


@pytest.mark.parametrize("name,preset,option,which,phrase", BAD, ids=[case[0] for case in BAD])
def test_bad_folders_are_one_line_and_exit_2(name, preset, option, which, phrase, folders,
                                             bad, tmp_path, capsys):
    path = {"translation": translation_preset, "adaptation": adaptation_preset,
            "target_only": lambda root: adaptation_preset(root, "target_only")}[preset](folders)
    extra = []
    if name == "source-class-without-images":
        extra = ["--set", "data.num_classes=4"]
    if name == "x-fewer-than-val-size":
        extra = ["--set", "data.val_size=10"]
    value = f"folder:{bad[which]}"
    run = tmp_path / "run"
    capsys.readouterr()
    code = main(["train", str(path), "--out", str(run), "--no-progress", "--set",
                 f"{option}={value}", *extra])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cyclekit: error: "), err
    assert phrase in lines[0], err
    if name in AT_LOAD:  # found while loading: the run folder holds its config only
        assert sorted(p.name for p in run.iterdir()) == ["config.yaml"]
    else:
        assert not run.exists()
