"""Your own images as a domain: ``folder:PATH`` in place of a built-in domain's name.

* **Unlabelled** (translation's ``data.x`` / ``data.y``, adaptation's ``data.target``): every
  image file under PATH, recursively, in sorted order of their paths.
* **Labelled** (adaptation's ``data.source``): the ImageFolder layout, one sub-folder per
  class, ``PATH/CLASS/**/*.png``; classes are the sub-folders' names, sorted, labelled
  0..K-1 (:func:`class_folders`).

Images of any size and mode are read with PIL and brought to ``channels`` as the
``translate`` command reads its inputs (grey to RGB by repetition, RGB to grey by PIL's
BT.601 luminance, transparency composited over black, palettes expanded, 16-bit images
scaled by 65535 and 8-bit-range ones by 255), then resized to ``image_size`` exactly as the
built-in domains are (:func:`cyclekit.data.transforms.to_model_images`).

**Test split.** CycleGAN's layout is recognised: a folder named ``train*`` (``trainA``,
``train``) takes its test split from the sibling folder ``test*`` (``testA``, ``test``) when
that exists. Otherwise the split is a fixed, seeded one (:data:`SPLIT_SEED`, 20% test, at
least one image each side; per class for a labelled folder) of the sorted file list, so
the same files always give the same split (the training split in a fixed shuffled order, so
that the validation slice, ``data.val_size`` images held out of its end, draws from all of
it). How the split is made is recorded in the run's config (``data.folders``,
:func:`record_folders`) and in ``metrics.json`` (``data/<key>_split``).

**The rule for bad files: refuse, never skip.** Hidden files and folders (names starting with
``.``) and ``Thumbs.db`` / ``desktop.ini`` are ignored; any other file whose suffix is not an
image's (:data:`IMAGE_SUFFIXES`), or an image file PIL cannot decode completely (unreadable,
truncated), stops the run with one line saying how many files and which (the first three).
A folder with fewer than two images, a class folder with no image, images directly in a
labelled folder (outside any class) and a path that does not exist are refused the same way.
The layout is checked when the config is built, before a run folder is made (listing only);
an image that cannot be decoded is found when the data are loaded, after the run folder holds
its ``config.yaml`` (no checkpoint: the next start starts it over). Only the files a run uses
are decoded (``data.limit_*`` draws its subset first).

Everything is read into memory; streaming a folder larger than memory from disk is not yet
done.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from cyclekit.data.splits import check_split, chosen_indices
from cyclekit.data.transforms import to_model_images
from cyclekit.errors import ConfigError, DataError

PREFIX = "folder:"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm",
                  ".ppm", ".pbm")
IGNORED_NAMES = ("thumbs.db", "desktop.ini")
SPLIT_SEED = 0
TEST_FRACTION = 0.2
SHOWN = 3  # files named in an error line


def is_folder(name) -> bool:
    """True for a ``folder:PATH`` domain name."""
    return isinstance(name, str) and name.startswith(PREFIX)


def folder_root(name: str) -> Path:
    return Path(name[len(PREFIX):]).expanduser()


def check_folder_name(key: str, name: str) -> None:
    """ConfigError unless ``name`` is ``folder:`` followed by a path (the file system is not
    looked at: a run's config stays loadable where its training images are not)."""
    if not name[len(PREFIX):].strip():
        raise ConfigError(f"{key}='{name}' names no folder; write {key}=folder:PATH")


@dataclass
class FolderSplit:
    """The files of one split and their labels (or None)."""

    files: list[Path]
    labels: np.ndarray | None


def _hidden(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return any(part.startswith(".") for part in parts) or path.name.lower() in IGNORED_NAMES


def _shown(paths: list[Path]) -> str:
    more = f" and {len(paths) - SHOWN} more" if len(paths) > SHOWN else ""
    return ", ".join(f"'{p}'" for p in paths[:SHOWN]) + more


def _existing_folder(root: Path, key: str) -> Path:
    if not root.exists():
        raise DataError(f"{key}: folder '{root}' does not exist")
    if not root.is_dir():
        raise DataError(f"{key}: '{root}' is a file, not a folder of images")
    return root


def scan(root: Path, key: str = "data") -> list[Path]:
    """The image files under ``root``, recursively, sorted; DataError for a missing folder, a
    file that is not an image (by suffix) or a folder without images."""
    _existing_folder(root, key)
    files, others = [], []
    for path in sorted(root.rglob("*")):
        if path.is_dir() or _hidden(path, root):
            continue
        (files if path.suffix.lower() in IMAGE_SUFFIXES else others).append(path)
    if others:
        raise DataError(f"{key}: {len(others)} file(s) in '{root}' are not images "
                        f"({', '.join(IMAGE_SUFFIXES)}): {_shown(others)}; move them out")
    if not files:
        raise DataError(f"{key}: folder '{root}' holds no image files "
                        f"({', '.join(IMAGE_SUFFIXES)})")
    return files


def class_folders(root: Path, key: str = "data.source") -> list[str]:
    """The class names of an ImageFolder layout: its sub-folders' names, sorted."""
    _existing_folder(root, key)
    entries = [p for p in sorted(root.iterdir()) if not _hidden(p, root)]
    loose = [p for p in entries if not p.is_dir()]
    if loose:
        raise DataError(f"{key}: '{root}' must hold one sub-folder per class (ImageFolder "
                        f"layout ROOT/CLASS/image.png), but {len(loose)} file(s) lie directly in "
                        f"it: {_shown(loose)}")
    names = [p.name for p in entries]
    if len(names) < 2:
        raise DataError(f"{key}: '{root}' holds {len(names)} class sub-folder(s); a labelled "
                        f"folder needs one sub-folder per class, at least two (ROOT/CLASS/...)")
    return names


def test_folder(root: Path) -> Path | None:
    """CycleGAN's layout: ``ROOT/trainA`` -> ``ROOT/testA`` when that folder exists."""
    if root.name.lower().startswith("train"):
        sibling = root.with_name("test" + root.name[len("train"):])
        if sibling.is_dir():
            return sibling
    return None


def _seeded_test(count: int) -> np.ndarray:
    """A boolean mask of the test files among ``count`` sorted ones (fixed seed)."""
    test = np.zeros(count, dtype=bool)
    if count >= 2:
        n_test = min(count - 1, max(1, int(round(TEST_FRACTION * count))))
        test[np.random.default_rng(SPLIT_SEED).permutation(count)[:n_test]] = True
    return test


def folder_split(name: str, split: str, *, classes: list[str] | None = None,
                 key: str = "data") -> FolderSplit:
    """The files (and labels, with ``classes``) of ``split`` of the folder domain ``name``."""
    check_split(split)
    root = folder_root(name)
    sibling = test_folder(root)
    files, labels = _listing(root, classes, key)
    if len(files) < 2:
        raise DataError(f"{key}: folder '{root}' holds {len(files)} image; a domain needs at "
                        f"least two")
    if sibling is not None:
        if split == "test":
            return FolderSplit(*_listing(sibling, classes, key))
        return _shuffled(files, labels)
    if labels is None:
        test = _seeded_test(len(files))
    else:
        test = np.zeros(len(files), dtype=bool)
        for label in np.unique(labels):
            where = np.flatnonzero(labels == label)
            test[where] = _seeded_test(len(where))
    keep = test if split == "test" else ~test
    chosen = FolderSplit([f for f, k in zip(files, keep) if k],
                         None if labels is None else labels[keep])
    return chosen if split == "test" else _shuffled(chosen.files, chosen.labels)


def _shuffled(files: list[Path], labels: np.ndarray | None) -> FolderSplit:
    """A training split in a fixed shuffled order, so that the validation slice held out of
    its end (``data.val_size``) draws from every class and sub-folder."""
    order = np.random.default_rng(SPLIT_SEED).permutation(len(files))
    return FolderSplit([files[i] for i in order], None if labels is None else labels[order])


def _listing(root: Path, classes: list[str] | None, key: str,
             ) -> tuple[list[Path], np.ndarray | None]:
    if classes is None:
        return scan(root, key), None
    found = class_folders(root, key)
    if found != list(classes):
        raise DataError(f"{key}: the class folders of '{root}' ({', '.join(found)}) differ from "
                        f"the run's classes ({', '.join(classes)})")
    files, labels = [], []
    for label, name in enumerate(found):
        try:
            inside = scan(root / name, key)
        except DataError as error:
            if "holds no image files" not in str(error):
                raise
            raise DataError(f"{key}: class folder '{root / name}' holds no image files") from None
        files += inside
        labels += [label] * len(inside)
    return files, np.asarray(labels, dtype=np.int64)


def read_pixels(path: Path, channels: int) -> np.ndarray:
    """``(1, channels, H, W)`` float32 pixels in [0, 1] of an image file; OSError, ValueError or
    UnidentifiedImageError when PIL cannot decode it completely."""
    with Image.open(path) as image:
        image.load()
        if image.mode in ("I", "F") or image.mode.startswith("I;16"):
            values = np.asarray(image, dtype=np.float32)
            top = (1.0 if image.mode == "F" and values.max() <= 1
                   else 65535.0 if values.max() > 255 else 255.0)
            grey = np.clip(values / top, 0, 1)[None]
            pixels = grey if channels == 1 else np.repeat(grey, 3, axis=0)
        else:
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                rgba = image.convert("RGBA")
                image = Image.alpha_composite(Image.new("RGBA", rgba.size, (0, 0, 0, 255)), rgba)
            converted = np.asarray(image.convert("L" if channels == 1 else "RGB"),
                                   dtype=np.float32) / 255
            pixels = converted[None] if channels == 1 else converted.transpose(2, 0, 1)
    if min(pixels.shape[1:]) < 1:
        raise ValueError("it has no pixels")
    return np.ascontiguousarray(pixels[None])


def decode(files: list[Path], image_size: int, channels: int, key: str = "data",
           ) -> torch.Tensor:
    """The files as ``(N, channels, image_size, image_size)`` model images in [-1, 1];
    DataError naming how many and which files could not be decoded (none is skipped)."""
    images, bad = [], []
    for path in files:
        try:
            images.append(to_model_images(read_pixels(path, channels), image_size, channels))
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            reason = reason.replace(f" '{path}'", "").replace(str(path), "").strip(" :")
            bad.append(f"'{path}' ({reason or type(error).__name__})")
    if bad:
        more = f" and {len(bad) - SHOWN} more" if len(bad) > SHOWN else ""
        raise DataError(f"{key}: {len(bad)} of the {len(files)} image files used cannot be "
                        f"read: {', '.join(bad[:SHOWN])}{more}; fix or remove them")
    return torch.cat(images)


def load_folder(name: str, split: str, *, image_size: int, channels: int,
                limit: int | None = None, seed: int = 0, classes: list[str] | None = None,
                key: str = "data") -> tuple[torch.Tensor, torch.Tensor | None]:
    """Images and labels (with ``classes``; else None) of a folder domain's split."""
    found = folder_split(name, split, classes=classes, key=key)
    keep = chosen_indices(len(found.files), limit, seed)
    images = decode([found.files[i] for i in keep], image_size, channels, key)
    labels = None if found.labels is None else torch.from_numpy(found.labels[keep])
    return images, labels


def check_folder(name: str, key: str, *, classes: list[str] | None = None,
                 val_size: int = 0) -> str:
    """Check a folder domain's layout by listing it (nothing is decoded): it exists, holds
    images only, at least two (and more training images than ``val_size``), every class folder
    some; return how its test split is made (:func:`describe_split`)."""
    train = folder_split(name, "train", classes=classes, key=key)
    folder_split(name, "test", classes=classes, key=key)
    if val_size >= len(train.files):
        raise DataError(f"{key}: folder '{folder_root(name)}' has {len(train.files)} training "
                        f"images, too few to hold out data.val_size={val_size}; lower "
                        f"data.val_size")
    return describe_split(name)


def record_folders(data, domains: list[tuple[str, str, list[str] | None]]) -> None:
    """Check each new folder domain of ``domains`` (key, name, classes) and record how its test
    split is made in ``data.folders`` (``folder:PATH`` -> rule), the config's record of its
    folders: a run's saved config, already recorded, is never checked against the file system
    again (it loads where its training images are not)."""
    recorded = data.folders
    if recorded is not None and not (isinstance(recorded, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in recorded.items())):
        raise ConfigError(f"data.folders={recorded!r} must map folder:PATH to its split "
                          f"(it is filled in by cyclekit; leave it out)")
    recorded = dict(recorded or {})
    used = [(key, name, classes) for key, name, classes in domains if is_folder(name)]
    for key, name, classes in used:
        if name not in recorded:
            recorded[name] = check_folder(name, key, classes=classes, val_size=data.val_size)
    data.folders = {name: recorded[name] for _, name, _ in used} or None


def split_metric(data, name: str, count: int) -> str:
    """``metrics.json``'s line on a folder domain's test split: its size and how it is made
    (as recorded in the config's ``folders`` when it is there)."""
    recorded = (getattr(data, "folders", None) or {}).get(name)
    return f"{count} test images; test split: {recorded or describe_split(name)}"


def describe_split(name: str) -> str:
    """How the test split of the folder domain ``name`` is made."""
    sibling = test_folder(folder_root(name))
    if sibling is not None:
        return f"the folder {sibling}"
    return (f"seeded: {TEST_FRACTION:.0%} of the sorted files (per class when labelled), "
            f"seed {SPLIT_SEED}")
