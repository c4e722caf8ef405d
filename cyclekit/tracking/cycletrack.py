"""CycleTrack and CycleTrack-EM: unsupervised forward-backward tracking (Zou & Hao, tracking
application), on the self-cyclic strategy with one shared tracker T.

    map_xy(x, batch) = T(x, X, Y)     track the box x from frame X to frame Y
    map_yx(y, batch) = T(y, Y, X)     and back
    D_cyc            = L_b            GIoU + L1 on frame-normalised boxes (cyclekit.tracking.box_loss),
                                      pairs weighted by how far T moved x (UDT's motion weight;
                                      ``model.motion_weighting``, not in Zou & Hao's formula)
    D_sim            = L_b(T(x, X, Y), y~),  y~ the candidate box of Y of highest IoU with
                       T(x, X, Y) (cyclekit.tracking.candidate_matching)

``strategy.self_cyclic_mode: half`` is CycleTrack,
    L = L_b(x, T(T(x, X, Y), Y, X)) + L_b(T(x, X, Y), y~);
``em`` is CycleTrack-EM: E: y^ = T(x, X, Y) with T frozen;  M: L_b(x, T(y^, Y, X)).

T is a correlation-filter tracker (cyclekit.tracking.correlation_tracker); training data are
unlabeled videos (synthetic, and optionally raw frame folders) with pseudo-targets and
candidates from proposals, never ground truth (cyclekit.tracking.video_pairs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from cyclekit.config import check_choice, check_non_negative, check_positive
from cyclekit.cyclic.method import CyclicMethod
from cyclekit.cyclic.objective import CycleObjective
from cyclekit.engine.loading import load_trained_method
from cyclekit.errors import ConfigError
from cyclekit.registry import register_method
from cyclekit.tracking.box_loss import BoxLoss, motion_weights
from cyclekit.tracking.candidate_matching import CandidateMatching
from cyclekit.tracking.correlation_tracker import CorrelationTracker
from cyclekit.tracking.cycletrack_evaluation import (
    evaluate_cycletrack,
    load_tracking_data,
    sample_rows,
    validation_losses,
)
from cyclekit.tracking.dcf import DCFTracker
from cyclekit.tracking.photo_pool import POOLS
from cyclekit.tracking.proposals import PROPOSAL_SOURCES, build_proposals
from cyclekit.tracking.protocols import PROTOCOLS
from cyclekit.tracking.tracker_backbone import TrackerBackbone
from cyclekit.tracking.trackers import register_run_tracker
from cyclekit.tracking.video_pairs import PSEUDO_TARGETS, VideoPairBatcher


@dataclass
class CycleTrackModelConfig:
    """The tracker T (DCFNet / UDT defaults where they apply: padding 2, lambda 1e-4, label
    sigma 0.1 of the target size, scale step 1.0275, penalty 0.9925, scale damping 0.59,
    model update 0.01), the box loss weights (DETR's 2 : 5 for GIoU : L1), the weight of
    the candidate term (``half`` only) and ``motion_weighting``: the cycle loss of each pair
    weighted by how far T(x, X, Y) moved from x (UDT's cost-sensitive motion weight), so that
    pairs a box never left, where staying put is trivially cycle-consistent, count little."""

    channels: list[int] = field(default_factory=lambda: [32, 32])
    crop_size: int = 48
    padding: float = 2.0
    filter_lambda: float = 1e-4
    label_sigma: float = 0.1
    scale_step: float = 1.0275
    aspect_step: float = 1.0275
    scale_penalty: float = 0.9925
    position_temperature: float = 20.0
    variant_temperature: float = 100.0
    giou_weight: float = 2.0
    l1_weight: float = 5.0
    candidate_weight: float = 1.0
    motion_weighting: bool = True
    model_update: float = 0.01
    scale_damping: float = 0.59

    def validate(self) -> None:
        if not isinstance(self.channels, list) or not self.channels or not all(
                isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in self.channels):
            raise ConfigError(f"model.channels={self.channels!r} must be a non-empty list of "
                              f"positive integers")
        if self.crop_size < 8:
            raise ConfigError(f"model.crop_size={self.crop_size} must be at least 8")
        for key in ("padding", "filter_lambda", "label_sigma", "scale_step", "aspect_step",
                    "scale_penalty", "position_temperature", "variant_temperature"):
            check_positive(f"model.{key}", getattr(self, key))
        for key in ("giou_weight", "l1_weight", "candidate_weight"):
            check_non_negative(f"model.{key}", getattr(self, key))
        for key in ("model_update", "scale_damping"):
            if not 0.0 <= getattr(self, key) <= 1.0:
                raise ConfigError(f"model.{key}={getattr(self, key)} must be in [0, 1]")


@dataclass
class CycleTrackDataConfig:
    """Unlabeled training video and the data evaluation uses.

    Training: ``train_videos`` synthetic videos over the ``backgrounds`` pool's train photos
    (``bsds500``, ``sklearn_samples`` or ``textures``), plus every raw frame folder in
    ``frame_folders``; pairs of frames up to ``max_gap`` apart. Pseudo-targets: ``proposal``
    (the first proposal of acceptable size, else the centre box) or ``centre``. Candidates:
    the named ``proposals`` sources, at most ``max_candidates`` per frame.
    Evaluation: ``test_clips`` held-out synthetic clips (test photos, exact boxes) and, when
    ``eval_sequences`` is set (a folder of OTB/VOT sequences or a pysot JSON; relative paths
    are under the data directory), those sequences; both scored under ``protocol``.
    """

    backgrounds: str = "bsds500"
    frame_width: int = 192
    frame_height: int = 144
    clip_length: int = 40
    train_videos: int = 5000
    max_distractors: int = 2
    occlusion_probability: float = 0.3
    frame_folders: list[str] = field(default_factory=list)
    max_gap: int = 5
    pseudo_target: str = "proposal"
    proposals: list[str] = field(default_factory=lambda: ["frame_difference", "edge_density"])
    max_candidates: int = 16
    val_pairs: int = 32
    test_clips: int = 16
    test_clip_length: int = 60
    eval_sequences: str | None = None
    protocol: str = "pysot_otb"
    data_dir: str | None = None

    def validate(self) -> None:
        check_choice("data.backgrounds", self.backgrounds, POOLS)
        check_choice("data.pseudo_target", self.pseudo_target, PSEUDO_TARGETS)
        check_choice("data.protocol", self.protocol, tuple(PROTOCOLS))
        for name in self.proposals:
            check_choice("data.proposals", name, tuple(PROPOSAL_SOURCES))
        if not self.proposals:
            raise ConfigError(f"data.proposals is empty; name at least one of "
                              f"{sorted(PROPOSAL_SOURCES)}")
        if self.frame_width < 32 or self.frame_height < 32:
            raise ConfigError(f"data.frame_width/frame_height ({self.frame_width}x"
                              f"{self.frame_height}) must be at least 32")
        if self.clip_length < 2 or self.test_clip_length < 2:
            raise ConfigError("data.clip_length and data.test_clip_length must be >= 2")
        for key in ("train_videos", "max_gap", "max_candidates", "val_pairs"):
            check_positive(f"data.{key}", getattr(self, key))
        check_non_negative("data.test_clips", self.test_clips)
        check_non_negative("data.max_distractors", self.max_distractors)
        if not 0.0 <= self.occlusion_probability <= 1.0:
            raise ConfigError(f"data.occlusion_probability={self.occlusion_probability} must "
                              f"be in [0, 1]")
        if self.max_gap >= self.clip_length:
            raise ConfigError(f"data.max_gap={self.max_gap} must be below data.clip_length="
                              f"{self.clip_length}")


def build_tracker_network(model: CycleTrackModelConfig) -> CorrelationTracker:
    return CorrelationTracker(
        TrackerBackbone(model.channels), crop_size=model.crop_size, padding=model.padding,
        filter_lambda=model.filter_lambda, label_sigma=model.label_sigma,
        scale_step=model.scale_step, aspect_step=model.aspect_step,
        scale_penalty=model.scale_penalty, position_temperature=model.position_temperature,
        variant_temperature=model.variant_temperature)


@register_method
class CycleTrack(CyclicMethod):
    name = "cycletrack"
    model_config = CycleTrackModelConfig
    data_config = CycleTrackDataConfig
    default_strategy = "self_cyclic"
    strategies = ("self_cyclic",)
    shared_mapping = True

    def __init__(self, config):
        super().__init__(config)
        model = config.model
        self.tracker = build_tracker_network(model)
        self.f = self.g = self.tracker
        self.box_loss = BoxLoss(model.giou_weight, model.l1_weight)
        self.objective = CycleObjective(cycle_x=self.box_loss, weight_cycle_y=0.0,
                                        sim_x=CandidateMatching(self.box_loss),
                                        weight_sim_x=model.candidate_weight, weight_sim_y=0.0)

    @property
    def variant(self) -> str:
        """'cycletrack' (half the loss, one step) or 'cycletrack_em' (one EM iteration)."""
        return "cycletrack_em" if self.config.strategy.self_cyclic_mode == "em" else "cycletrack"

    # -- data --------------------------------------------------------------------------------

    @classmethod
    def load_data(cls, config):
        return load_tracking_data(config)

    def make_batcher(self, data, *, rank: int = 0, world_size: int = 1) -> VideoPairBatcher:
        spec = self.config.data
        return VideoPairBatcher(data.train, self.config.train.batch_size,
                                proposals=build_proposals(spec.proposals), max_gap=spec.max_gap,
                                max_candidates=spec.max_candidates,
                                pseudo_target=spec.pseudo_target, seed=self.config.seed,
                                rank=rank, world_size=world_size)

    # -- the two uses of the one tracker -----------------------------------------------------

    def map_xy(self, x: torch.Tensor, batch: dict | None = None) -> torch.Tensor:
        """T(x, X, Y): boxes ``x`` of frames X tracked into frames Y."""
        return self.tracker(x, batch["frames_x"], batch["frames_y"])

    def map_yx(self, y: torch.Tensor, batch: dict | None = None) -> torch.Tensor:
        """T(y, Y, X): boxes of frames Y tracked back into frames X."""
        return self.tracker(y, batch["frames_y"], batch["frames_x"])

    def cycle_x_loss(self, x: torch.Tensor, y_hat: torch.Tensor, batch: dict) -> torch.Tensor:
        """D_cyc = L_b(x, T(y_hat, Y, X)) for y_hat = T(x, X, Y), motion-weighted over the pairs
        (how far each box moved from x to y_hat) when ``model.motion_weighting``."""
        weights = motion_weights(x, y_hat) if self.config.model.motion_weighting else None
        back = self.map_yx(y_hat, batch)
        return self.objective.weight_cycle_x * self.box_loss(x, back, weights=weights)

    def online_tracker(self) -> DCFTracker:
        """A fresh one-pass tracker (``init`` / ``update``) around the trained network."""
        model = self.config.model
        return DCFTracker(self.tracker, name=self.variant, model_update=model.model_update,
                          scale_damping=model.scale_damping)

    # -- reports -----------------------------------------------------------------------------

    def validation_losses(self, data, device) -> dict[str, float]:
        return validation_losses(self, data, device)

    def sample_rows(self, data, count: int, device):
        return sample_rows(self, data, count, device)

    def evaluate(self, data, *, cache_dir, device, progress: bool = False):
        return evaluate_cycletrack(self, data, device, progress=progress)


@register_run_tracker("cycletrack")
def load_cycletrack_run(run_dir, device="cpu"):
    """``cyclekit track run RUN_DIR``: the run's selected checkpoint as a one-pass tracker,
    its network on ``device``."""

    _, method = load_trained_method(run_dir, device)
    return method.online_tracker
