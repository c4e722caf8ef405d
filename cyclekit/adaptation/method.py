"""Unsupervised domain adaptation (Hou et al., "Variational Transfer Learning using Cross-Domain
Latent Modulation"): what CDLM and its baselines share.

X = the labelled source domain, Y = the unlabelled target domain. Batches are unpaired draws
of both with the *source* labels only (the target-only upper bound is the one method that
draws target labels, by definition). Target labels are read in exactly one place, the final
test score (:mod:`cyclekit.adaptation.evaluation`); validation uses the labelled domain's slice
held out of its training split, and the checkpoint rule is "last".

Every adaptation method exposes three views of an image batch: :meth:`features` (the
representation the domains are aligned in, for A-distance and t-SNE), :meth:`classify` (the
logits of the method's target classifier, also used by ``cyclekit predict``) and
:meth:`classify_features` (a classifier on the features, reported beside it). All are
trained by the ``alternating`` strategy (:class:`~cyclekit.adaptation.alternating.Alternating`)
through :meth:`update_schedule` and :meth:`player_losses`; they are methods of the engine's
contract, not cyclic models (no ``f``, ``g`` or four-term objective).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import torch

import cyclekit.adaptation.evaluation as uda_eval
from cyclekit.adaptation.alternating import Alternating
from cyclekit.adaptation.domain_batch_norm import SOURCE, TARGET
from cyclekit.adaptation.labelled_unpaired import LabelledUnpairedBatcher
from cyclekit.config import (
    ADDED_LATER,
    check_choice,
    check_non_negative,
    check_positive,
)
from cyclekit.data.augment import PADDING_MODES, Augmentation
from cyclekit.data.image_folder import class_folders, folder_root, is_folder, record_folders
from cyclekit.data.pair import DomainPair, _load_splits, check_domain_name
from cyclekit.engine.method import Method
from cyclekit.errors import ConfigError, DataError


@dataclass
class UDADataConfig:
    """Source (labelled) and target (unlabelled) domains at one size and channel count.

    ``limit_train`` / ``limit_test`` take a seeded random subset of each domain's split
    (paired domains keep their correspondence); ``val_size`` images are held out of the end
    of each training split. ``augment_labelled`` (beyond Hou et al.) warps every training draw
    of the labelled domain (the source; the target for the target-only bound) by a random
    affine map: a shift of up to ``augment_shift`` pixels, a rotation of up to
    ``augment_rotation`` degrees and a zoom log-uniform in [1 / augment_scale, augment_scale],
    filling what it brings in from outside the image with ``augment_fill`` (black, border or
    reflection; see :class:`~cyclekit.data.augment.Augmentation`).

    Either domain may be ``folder:PATH``, your own images (:mod:`cyclekit.data.image_folder`):
    the source in the ImageFolder layout (``PATH/CLASS/*.png``, classes the sorted sub-folder
    names, labels 0..K-1, K = ``num_classes``), the target any images under PATH, unlabelled
    (its test accuracy is then not reported). ``class_names`` records a folder source's classes
    (read from the folder when the config is built, saved with the run, written by
    ``cyclekit predict``) and ``folders`` how each folder's test split is made (filled in, after
    a check of the folders' layout, when the config is built); a run's config thus loads where
    its training images are not."""

    source: str = "digits"
    target: str = "digits_m"
    image_size: int = 28
    channels: int = 1
    num_classes: int = 10
    data_dir: str | None = None
    limit_train: int | None = None
    limit_test: int | None = None
    val_size: int = 1000
    augment_labelled: bool = field(default=False, metadata=ADDED_LATER)
    augment_shift: float = field(default=2.0, metadata=ADDED_LATER)
    augment_rotation: float = field(default=10.0, metadata=ADDED_LATER)
    augment_scale: float = field(default=1.4, metadata=ADDED_LATER)
    augment_fill: str = field(default="black", metadata=ADDED_LATER)
    class_names: list[str] | None = field(default=None, metadata=ADDED_LATER)
    folders: dict[str, str] | None = field(default=None, metadata=ADDED_LATER)

    def validate(self) -> None:
        for key in ("source", "target"):
            check_domain_name(f"data.{key}", getattr(self, key))
        self._check_class_names()
        check_choice("data.channels", self.channels, (1, 3))
        if self.image_size < 16 or self.image_size % 4:
            raise ConfigError(f"data.image_size={self.image_size} must be a multiple of 4 "
                              f"and at least 16")
        if self.num_classes < 2:
            raise ConfigError(f"data.num_classes={self.num_classes} must be at least 2")
        for key in ("limit_train", "limit_test"):
            if getattr(self, key) is not None:
                check_positive(f"data.{key}", getattr(self, key))
        check_non_negative("data.val_size", self.val_size)
        for key in ("augment_shift", "augment_rotation"):
            check_non_negative(f"data.{key}", getattr(self, key))
        if self.augment_scale < 1:
            raise ConfigError(f"data.augment_scale={self.augment_scale} must be >= 1 "
                              f"(1: no zoom)")
        check_choice("data.augment_fill", self.augment_fill, tuple(PADDING_MODES))
        record_folders(self, [("data.source", self.source, self.class_names),
                              ("data.target", self.target, None)])

    def _check_class_names(self) -> None:
        """A folder source's classes: read from its sub-folders when not yet recorded (a new
        run), and as many as ``num_classes``."""
        if not is_folder(self.source):
            if self.class_names is not None:
                raise ConfigError("data.class_names names the classes of a folder source "
                                  "(data.source=folder:PATH); leave it out for a built-in one")
            return
        if self.class_names is None:
            self.class_names = class_folders(folder_root(self.source), "data.source")
        self.class_names = [str(name) for name in self.class_names]
        if len(self.class_names) != self.num_classes:
            raise ConfigError(f"data.source has {len(self.class_names)} classes "
                              f"({', '.join(self.class_names)}) but data.num_classes="
                              f"{self.num_classes}; set data.num_classes="
                              f"{len(self.class_names)}")

    def warp(self) -> Augmentation:
        """The random affine warp of ``augment_shift``, ``augment_rotation`` and
        ``augment_scale``, filled with ``augment_fill``, no pixel noise."""
        return Augmentation(self.augment_shift, self.augment_rotation, noise_std=0.0,
                            max_scale=self.augment_scale, fill=self.augment_fill)

    def augmentation(self) -> Augmentation | None:
        """The labelled domain's warp, or None without ``augment_labelled``."""
        return self.warp() if self.augment_labelled else None


class UDAMethod(Method):
    """Base of the adaptation methods: data, batches, validation, evaluation, prediction."""

    data_config = UDADataConfig
    default_strategy = "alternating"
    strategies = ("alternating",)
    labelled_domain: ClassVar[str] = "x"

    @classmethod
    def load_data(cls, config) -> DomainPair:
        data = config.data
        if cls.labelled_domain == "y" and is_folder(data.target):
            raise DataError(f"method '{config.method}' trains on the target's labels, but "
                            f"data.target={data.target} is an unlabelled folder")
        return DomainPair(x=_load_splits(data, data.source, config.seed,
                                         classes=data.class_names, key="data.source"),
                          y=_load_splits(data, data.target, config.seed, key="data.target"))

    def make_batcher(self, data: DomainPair, *, rank: int = 0, world_size: int = 1):
        key = self.labelled_domain
        labels = {f"{key}_labels": getattr(data, key).train.labels}
        return LabelledUnpairedBatcher(data.x.train.images, data.y.train.images,
                                       self.config.train.batch_size, seed=self.config.seed,
                                       augmentation=self.labelled_augmentation(),
                                       rank=rank, world_size=world_size, **labels)

    def make_training_step(self) -> Alternating:
        return Alternating(self.config.strategy)

    def labelled_augmentation(self) -> Augmentation | None:
        return self.config.data.augmentation()

    def progress(self, step: int) -> float:
        """Training progress p in [0, 1], for Ganin's schedules."""
        return min(1.0, step / self.config.train.steps)

    @property
    def labelled_index(self) -> int:
        """The labelled domain as a batch-norm domain index (``SOURCE`` or ``TARGET``)."""
        return SOURCE if self.labelled_domain == "x" else TARGET

    # The views every adaptation method gives of an image batch; ``domain`` (SOURCE or
    # TARGET) says where the images come from, for networks that normalise each domain apart.
    def features(self, images: torch.Tensor, domain: int = TARGET) -> torch.Tensor:
        raise NotImplementedError

    def classify(self, images: torch.Tensor, domain: int = TARGET) -> torch.Tensor:
        raise NotImplementedError

    def classify_features(self, images: torch.Tensor, domain: int = TARGET) -> torch.Tensor:
        return self.classify(images, domain)

    # The alternating strategy's hooks.
    def update_schedule(self) -> list[tuple[str, int]]:
        raise NotImplementedError

    def player_losses(self, batch: dict, player: str, step: int) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    @torch.no_grad()
    def predict_images(self, images: torch.Tensor, device="cpu",
                       ) -> tuple[torch.Tensor, torch.Tensor]:
        """Labels and softmax confidences of the method's target classifier."""
        probabilities = uda_eval.apply(lambda x: self.classify(x).softmax(dim=1), images, self,
                                       device)
        confidence, labels = probabilities.max(dim=1)
        return labels, confidence

    def validation_losses(self, data: DomainPair, device) -> dict[str, float]:
        """Classification error on the labelled domain's validation slice (never the target's
        labels, except for the target-only bound, whose training labels they are)."""
        split = getattr(data, self.labelled_domain).val
        if len(split.images) == 0:
            return {}
        error = 1.0 - uda_eval.accuracy(lambda x: self.classify(x, self.labelled_index), split,
                                        self, device)
        return {"val/labelled_error": error}

    def sample_rows(self, data: DomainPair, count: int, device):
        return [data.x.test.images[:count], data.y.test.images[:count]], ["source", "target"]

    def evaluate(self, data: DomainPair, *, cache_dir, device, progress: bool = False,
                 ) -> dict[str, float]:
        return uda_eval.evaluate(self, data, device)

    def extra_metrics(self, data: DomainPair, device) -> dict[str, float]:
        """Method-specific test metrics (CDLM: the quality of its source-like generations)."""
        return {}
