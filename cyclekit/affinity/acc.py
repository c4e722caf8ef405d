"""ACC: affinity cycle consistency for isolating factors of variation (the ACC paper).

One shared embedding network phi maps two sets A, B to L = phi(A), M = phi(B). Mapped onto
the self-cyclic strategy of Zou & Hao (``f = g = phi``):

    map_xy  soft nearest neighbours of L in M and of M in L      (Definition 2)
    map_yx  the cycle-back logits of those soft neighbours against the sets they started
            from (with double augmentation: against the other view's embeddings)
    D_cyc   cross-entropy with the identity target                (Definition 1, Sec. 3)

``strategy.self_cyclic_mode: half`` is ACC itself; ``em`` is its single-EM-iteration variant
(soft neighbours computed frozen, then cycled back with gradient). ``model.loss:
contrastive`` is the paper's contrastive baseline on the same primitive: InfoNCE between two
augmentations of every image of both sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from cyclekit.affinity.affinity import (
    SIMILARITIES,
    acc_loss,
    cycle_back_cross_entropy,
    cycle_back_logits,
    info_nce_logits,
    soft_nearest_neighbours,
)
from cyclekit.affinity.conv_embedder import ConvEmbedder
from cyclekit.affinity.evaluation import (
    AccData,
    correspondence_rows,
    evaluate_acc,
    load_acc_data,
    validation_loss,
)
from cyclekit.affinity.set_batcher import SetBatcher
from cyclekit.config import ADDED_LATER, check_choice, check_positive
from cyclekit.cyclic.method import CyclicMethod
from cyclekit.cyclic.objective import CycleObjective
from cyclekit.data.augment import Augmentation
from cyclekit.errors import ConfigError
from cyclekit.registry import register_method

LOSSES = ("acc", "contrastive")
DATASETS = ("dsprites", "mnist", "squares")
_START_EMBEDDINGS = "acc/start_embeddings"  # batch entry: map_xy's embeddings for map_yx


@dataclass
class AccModelConfig:
    """Embedding network (Appendix A: Table 3 widths for dSprites, Table 4 for MNIST),
    similarity and temperature (squared L2, tau = 1 in Sec. 4.1-4.2), double augmentation."""

    loss: str = "acc"
    embedding_dim: int = 2
    similarity: str = "squared_l2"
    temperature: float = 1.0
    conv_channels: list[int] = field(default_factory=lambda: [32, 32, 64, 64, 128, 128])
    conv_strides: list[int] = field(default_factory=lambda: [1, 1, 2, 1, 1, 2])
    dense_units: int = 128
    double_augmentation: bool = False
    augment_shift: float = 4.0
    augment_rotation: float = 15.0
    augment_noise: float = 0.1
    standardise_embedding: bool = field(default=False, metadata=ADDED_LATER)

    def validate(self) -> None:
        check_choice("model.loss", self.loss, LOSSES)
        check_choice("model.similarity", self.similarity, SIMILARITIES)
        for key in ("embedding_dim", "temperature", "dense_units"):
            check_positive(f"model.{key}", getattr(self, key))
        for key in ("conv_channels", "conv_strides"):
            values = getattr(self, key)
            if not isinstance(values, list) or not values or not all(
                    isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values):
                raise ConfigError(f"model.{key}={values!r} must be a non-empty list of "
                                  f"positive integers")
        if len(self.conv_channels) != len(self.conv_strides):
            raise ConfigError(f"model.conv_channels has {len(self.conv_channels)} layers but "
                              f"model.conv_strides {len(self.conv_strides)}; give one stride each")
        if self.loss == "contrastive" and not self.double_augmentation:
            raise ConfigError("model.loss=contrastive needs two views: set "
                              "model.double_augmentation=true")
        self.augmentation()

    def augmentation(self) -> Augmentation | None:
        if not self.double_augmentation:
            return None
        return Augmentation(self.augment_shift, self.augment_rotation, self.augment_noise)


@dataclass
class AccDataConfig:
    """Which factor dataset, which factors are inactive within a set, how sets are drawn.

    ``image_size`` applies to dSprites (16, 32 or 64) and the generated squares; MNIST stays
    28 x 28. ``held_out_class`` (MNIST) is left out of training. ``probe_train_size``
    training images (MNIST) fit the probes that are then scored on the test split."""

    dataset: str = "dsprites"
    inactive: list[str] = field(default_factory=list)
    unconstrained_second: bool = False
    set_size: int = 32
    image_size: int = 32
    held_out_class: int | None = None
    data_dir: str | None = None
    limit_train: int | None = None
    limit_test: int | None = None
    probe_train_size: int = 10000

    def validate(self) -> None:
        check_choice("data.dataset", self.dataset, DATASETS)
        if not isinstance(self.inactive, list) or not all(isinstance(name, str)
                                                          for name in self.inactive):
            raise ConfigError(f"data.inactive={self.inactive!r} must be a list of factor names")
        if self.set_size < 2:
            raise ConfigError(f"data.set_size={self.set_size} must be >= 2")
        for key in ("image_size", "probe_train_size"):
            check_positive(f"data.{key}", getattr(self, key))
        for key in ("limit_train", "limit_test"):
            if getattr(self, key) is not None:
                check_positive(f"data.{key}", getattr(self, key))
        if self.held_out_class is not None:
            if self.dataset != "mnist":
                raise ConfigError("data.held_out_class applies to data.dataset=mnist only; "
                                  "remove it")
            check_choice("data.held_out_class", self.held_out_class, tuple(range(10)))


@register_method
class AffinityCycleConsistency(CyclicMethod):
    name = "acc"
    model_config = AccModelConfig
    data_config = AccDataConfig
    default_strategy = "self_cyclic"
    strategies = ("self_cyclic",)
    shared_mapping = True

    def __init__(self, config):
        super().__init__(config)
        self.embedder = self.build_embedder(config)
        self.f = self.g = self.embedder
        self.objective = CycleObjective(cycle_x=cycle_back_cross_entropy, weight_cycle_y=0.0,
                                        weight_sim_x=0.0, weight_sim_y=0.0)

    @staticmethod
    def build_embedder(config) -> ConvEmbedder:
        model = config.model
        size = 28 if config.data.dataset == "mnist" else config.data.image_size
        return ConvEmbedder(1, size, model.conv_channels, model.conv_strides,
                            model.dense_units, model.embedding_dim,
                            standardise=model.standardise_embedding)

    def untrained_embedder(self) -> ConvEmbedder:
        """The network as initialised from ``config.seed`` (the trainer seeds, then builds)."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.config.seed)
            return self.build_embedder(self.config).to(next(self.parameters()).device)

    # -- data --------------------------------------------------------------------------------

    @classmethod
    def load_data(cls, config) -> AccData:
        return load_acc_data(config)

    def make_batcher(self, data: AccData, *, rank: int = 0, world_size: int = 1) -> SetBatcher:
        spec = self.config.data
        return SetBatcher(data.train, spec.set_size, inactive=tuple(spec.inactive),
                          unconstrained_second=spec.unconstrained_second,
                          augmentation=self.config.model.augmentation(), seed=self.config.seed,
                          rank=rank, world_size=world_size)

    # -- the two uses of the one mapping -----------------------------------------------------

    def map_xy(self, x: torch.Tensor, batch: dict | None = None) -> torch.Tensor:
        """ACC: soft nearest neighbours ``(2, n, E)`` of L in M and of M in L.
        Contrastive: the embeddings ``(2n, E)`` of the first view of both sets."""
        if batch is None or "y" not in batch:
            raise ConfigError("ACC maps a pair of sets: pass the batch holding set B as 'y'")
        model = self.config.model
        start = self.embedder(torch.cat([x, batch["y"]]))
        batch[_START_EMBEDDINGS] = start
        if model.loss == "contrastive":
            return start
        l_start, m_start = start.chunk(2)
        return torch.stack([
            soft_nearest_neighbours(l_start, m_start, model.similarity, model.temperature),
            soft_nearest_neighbours(m_start, l_start, model.similarity, model.temperature)])

    def map_yx(self, y: torch.Tensor, batch: dict | None = None) -> torch.Tensor:
        """Cycle-back logits ``(2, n, n)`` (ACC) or InfoNCE logits ``(2, 2n, 2n)``
        (contrastive) against the sets' return embeddings, which carry gradient."""
        model = self.config.model
        returns = self._return_embeddings(batch)
        if model.loss == "contrastive":
            return info_nce_logits(y, returns, model.similarity, model.temperature)
        l_return, m_return = returns.chunk(2)
        return torch.stack([
            cycle_back_logits(y[0], l_return, model.similarity, model.temperature),
            cycle_back_logits(y[1], m_return, model.similarity, model.temperature)])

    def _return_embeddings(self, batch: dict) -> torch.Tensor:
        """Where the cycles return to: the second view with double augmentation; otherwise the
        start sets, reusing map_xy's embeddings when they carry gradient (``half``) and
        re-embedding them when the soft neighbours were computed frozen (``em``)."""
        if self.config.model.double_augmentation:
            return self.embedder(torch.cat([batch["x_view2"], batch["y_view2"]]))
        cached = batch.get(_START_EMBEDDINGS)
        if cached is not None and (cached.requires_grad or not torch.is_grad_enabled()):
            return cached
        return self.embedder(torch.cat([batch["x"], batch["y"]]))

    def loss_on(self, batch: dict) -> torch.Tensor:
        """The training loss of one batch computed directly from the primitive (validation)."""
        model = self.config.model
        first = self.embedder(torch.cat([batch["x"], batch["y"]]))
        if model.double_augmentation:
            second = self.embedder(torch.cat([batch["x_view2"], batch["y_view2"]]))
        else:
            second = first
        if model.loss == "contrastive":
            return cycle_back_cross_entropy(first, info_nce_logits(first, second, model.similarity,
                                                                   model.temperature))
        (l_start, m_start), (l_return, m_return) = first.chunk(2), second.chunk(2)
        return acc_loss(l_start, m_start, l_return=l_return, m_return=m_return,
                        kind=model.similarity, temperature=model.temperature)

    # -- reports -----------------------------------------------------------------------------

    def validation_losses(self, data: AccData, device) -> dict[str, float]:
        return {"val/acc_loss": validation_loss(self, data, device)}

    def sample_rows(self, data: AccData, count: int, device):
        return correspondence_rows(self, data, count, device)

    def evaluate(self, data: AccData, *, cache_dir, device, progress: bool = False):
        return evaluate_acc(self, data, device)
