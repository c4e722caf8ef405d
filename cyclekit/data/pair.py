"""The two domains of an experiment, split into train / validation / test, in memory.

The validation slice is held out of the *training* split (last ``val_size`` samples), so
that checkpoint selection never looks at the test set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cyclekit.config import ADDED_LATER, check_choice, check_non_negative, check_positive
from cyclekit.data.domain import DomainData, list_domains, load_domain
from cyclekit.data.image_folder import check_folder_name, is_folder, record_folders
from cyclekit.errors import ConfigError, DataError

# Domain pairs built from the same base images: test sample i of one is test sample i of
# the other in another style, so paired image metrics (SSIM, PSNR) exist.
PAIRED_DOMAINS = {frozenset({"digits", "digits_m"}), frozenset({"mnist", "mnistm"}),
                  frozenset({"fashion", "fashionm"}), frozenset({"facades_photo", "facades_labels"})}


@dataclass
class DataConfig:
    """The two domains X (``x``) and Y (``y``), brought to one size and channel count: each a
    built-in domain (:func:`~cyclekit.data.domain.list_domains`) or ``folder:PATH``, the
    image files under PATH (:mod:`cyclekit.data.image_folder`). ``folders`` is filled in when
    the config is built: each folder's layout is checked and how its test split is made is
    recorded there (a run's saved config is not checked again)."""

    x: str = "digits"
    y: str = "digits_m"
    image_size: int = 32
    channels: int = 3
    data_dir: str | None = None
    limit_train: int | None = None
    limit_test: int | None = None
    val_size: int = 256
    folders: dict[str, str] | None = field(default=None, metadata=ADDED_LATER)

    def validate(self) -> None:
        for key in ("x", "y"):
            check_domain_name(f"data.{key}", getattr(self, key))
        check_choice("data.channels", self.channels, (1, 3))
        if self.image_size < 16 or self.image_size % 4:
            raise ConfigError(
                f"data.image_size={self.image_size} must be a multiple of 4 and at least 16"
            )
        for key in ("limit_train", "limit_test"):
            value = getattr(self, key)
            if value is not None:
                check_positive(f"data.{key}", value)
        check_non_negative("data.val_size", self.val_size)
        record_folders(self, [("data.x", self.x, None), ("data.y", self.y, None)])


def check_domain_name(key: str, name) -> None:
    """ConfigError unless ``name`` is a built-in domain or ``folder:PATH``."""
    if is_folder(name):
        check_folder_name(key, name)
    else:
        check_choice(key, name, (*list_domains(), "folder:PATH"))


@dataclass
class DomainSplits:
    train: DomainData
    val: DomainData
    test: DomainData


@dataclass
class DomainPair:
    x: DomainSplits
    y: DomainSplits

    @property
    def paired(self) -> bool:
        """True when test images correspond one to one (same base images, other style)."""
        return (frozenset({self.x.test.name, self.y.test.name}) in PAIRED_DOMAINS
                and len(self.x.test.images) == len(self.y.test.images))


def load_pair(data, seed: int = 0) -> DomainPair:
    """Load ``data.x`` and ``data.y`` (a :class:`DataConfig`)."""
    return DomainPair(x=_load_splits(data, data.x, seed, key="data.x"),
                      y=_load_splits(data, data.y, seed, key="data.y"))


def _load_splits(data, name: str, seed: int, *, classes: list[str] | None = None,
                 key: str = "data") -> DomainSplits:
    """``name``'s train / validation / test splits; ``classes``: a labelled folder's classes,
    ``key``: the option naming the domain, for a folder's errors."""
    common = {"data_dir": data.data_dir, "image_size": data.image_size,
              "channels": data.channels, "seed": seed, "classes": classes, "key": key}
    train = load_domain(name, "train", limit=data.limit_train, **common)
    test = load_domain(name, "test", limit=data.limit_test, **common)
    n_val = data.val_size
    if n_val >= len(train.images):
        raise DataError(f"domain '{name}' has {len(train.images)} training images, too few to "
                        f"hold out data.val_size={n_val}; lower data.val_size")
    cut = len(train.images) - n_val
    return DomainSplits(train=_slice(train, 0, cut), val=_slice(train, cut, None), test=test)


def _slice(domain: DomainData, start: int, stop: int | None) -> DomainData:
    labels = None if domain.labels is None else domain.labels[start:stop]
    return DomainData(name=domain.name, images=domain.images[start:stop], labels=labels)
