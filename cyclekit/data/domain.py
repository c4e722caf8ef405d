"""Registry of image domains and the single entry point that loads one."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from cyclekit.data.bsds500 import load_bsds500
from cyclekit.data.facades import load_facades
from cyclekit.data.idx import load_idx_split
from cyclekit.data.image_folder import is_folder, load_folder
from cyclekit.data.mnist_framing import frame_like_mnist
from cyclekit.data.mnistm import BlendedImages, load_blended
from cyclekit.data.semeion import load_semeion
from cyclekit.data.sklearn_digits import load_sklearn_digits, load_sklearn_digits_m
from cyclekit.data.splits import check_split, chosen_indices
from cyclekit.data.transforms import to_model_images
from cyclekit.data.usps import load_usps
from cyclekit.errors import DataError


@dataclass
class DomainData:
    """Images ``(N, C, H, W)`` float32 in [-1, 1] and int64 labels ``(N,)`` or None."""

    name: str
    images: torch.Tensor
    labels: torch.Tensor | None


# Each loader maps (split, data_dir) to (images, labels): images index-able by an index
# array into uint8 or [0, 1] float (N, C, H, W) arrays, labels an int64 array or None.
_LOADERS: dict[str, Callable] = {
    "digits": lambda split, data_dir: load_sklearn_digits(split),
    "digits_m": lambda split, data_dir: load_sklearn_digits_m(split),
    "mnist": partial(load_idx_split, "mnist"),
    "usps": load_usps,
    "fashion": partial(load_idx_split, "fashion_mnist"),
    "semeion": load_semeion,
    "usps_as_mnist": lambda split, data_dir: _framed_like_mnist(load_usps(split, data_dir)),
    "semeion_as_mnist": lambda split, data_dir: _framed_like_mnist(load_semeion(split, data_dir)),
    "mnistm": partial(load_blended, "mnistm", "mnist"),
    "fashionm": partial(load_blended, "fashionm", "fashion_mnist"),
    "semeion_m": lambda split, data_dir: _blended_like_mnistm(
        "semeion_m", split, data_dir, _framed_like_mnist(load_semeion(split, data_dir))),
    "bsds500": load_bsds500,
    "facades_photo": partial(load_facades, "photo"),
    "facades_labels": partial(load_facades, "labels"),
}


# Domains whose images are framed like MNIST's before the usual resize: an image file of
# such a domain (e.g. a USPS digit) is framed the same way by ``cyclekit predict``.
MNIST_FRAMED_DOMAINS = ("usps_as_mnist", "semeion_as_mnist")


def _framed_like_mnist(loaded: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    images, labels = loaded
    return frame_like_mnist(images), labels


def _blended_like_mnistm(name: str, split: str, data_dir,
                         loaded: tuple[np.ndarray, np.ndarray]) -> tuple[BlendedImages, np.ndarray]:
    """Grey [0, 1] digits (ink bright) blended over BSDS500 crops with MNIST-M's recipe: a
    colour development domain that is not one of the paper's (``semeion_m``: Semeion digits
    framed like MNIST's, as MNIST-M's digits are MNIST's)."""
    images, labels = loaded
    digits = np.rint(images[:, 0] * 255).astype(np.uint8)
    return BlendedImages(name, split, digits, data_dir), labels


def list_domains() -> list[str]:
    """Names of the built-in domains accepted by :func:`load_domain` (which also takes
    ``folder:PATH``, a folder of your own images: :mod:`cyclekit.data.image_folder`)."""
    return list(_LOADERS)


def load_domain(name: str, split: str = "train", *, data_dir: str | None = None,
                image_size: int = 32, channels: int = 3, limit: int | None = None,
                seed: int = 0, classes: list[str] | None = None,
                key: str = "data") -> DomainData:
    """Load a domain's split as ``channels`` x ``image_size`` x ``image_size`` images in [-1, 1].

    ``name`` is a built-in domain or ``folder:PATH``; a folder is read unlabelled, or in the
    ImageFolder layout with ``classes`` (its class sub-folders' names, labels 0..K-1). ``key``
    (e.g. ``data.source``) names the option in errors about a folder."""
    if not is_folder(name) and name not in _LOADERS:
        raise DataError(f"unknown domain {name!r}; valid domains: {', '.join(_LOADERS)}, "
                        f"or folder:PATH")
    check_split(split)
    if channels not in (1, 3):
        raise DataError(f"channels must be 1 or 3, got {channels}")
    if image_size < 1:
        raise DataError(f"image_size must be positive, got {image_size}")
    if is_folder(name):
        images, labels = load_folder(name, split, image_size=image_size, channels=channels,
                                     limit=limit, seed=seed, classes=classes, key=key)
        return DomainData(name=name, images=images, labels=labels)
    images, labels = _LOADERS[name](split, data_dir)
    if len(images) == 0:
        raise DataError(f"domain {name!r} split {split!r} is empty")
    keep = chosen_indices(len(images), limit, seed)
    return DomainData(
        name=name,
        images=to_model_images(images[keep], image_size, channels),
        labels=None if labels is None else torch.from_numpy(labels[keep]),
    )
