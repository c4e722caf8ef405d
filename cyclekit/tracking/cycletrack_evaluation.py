"""CycleTrack's data, validation losses, sample grid and evaluation.

Held-out data never overlap training: they are drawn from the photo pool's *test* photos,
with a fixed generator seed (the same for every training seed, so runs are compared on the
same clips). Evaluation runs the one-pass protocol (``init`` on the first box, one ``update``
per frame) on held-out synthetic clips with their exact boxes and, when
``data.eval_sequences`` is set, on those real sequences; both are scored under
``data.protocol`` (pysot OTB rules by default).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from cyclekit.data.catalog import data_root
from cyclekit.tracking.box_overlay import BLUE, GREEN, RED, draw_boxes
from cyclekit.tracking.frame_folder_video import load_frame_folders
from cyclekit.tracking.photo_pool import load_photo_pool
from cyclekit.tracking.proposals import build_proposals
from cyclekit.tracking.protocols import get_protocol
from cyclekit.tracking.runner import run_sequence
from cyclekit.tracking.sequences.discover import discover_sequences
from cyclekit.tracking.sequences.sequence import Sequence
from cyclekit.tracking.success_precision import (
    curves,
    evaluate_sequences,
    frame_scores,
    summarise,
)
from cyclekit.tracking.synthetic_video import SyntheticVideos, SyntheticVideoSpec
from cyclekit.tracking.tracker import Tracker
from cyclekit.tracking.video_pairs import ConcatVideos, VideoPairBatcher

HELD_OUT_SEED = 7_000_001


@dataclass
class TrackingData:
    """Training videos (unlabeled), a fixed validation batch of held-out pairs, held-out
    synthetic clips ``(name, frames, exact boxes)`` and the labelled sequences to score."""

    train: ConcatVideos
    validation: dict[str, torch.Tensor]
    test_clips: list[tuple[str, np.ndarray, np.ndarray]]
    sequences: list[Sequence]


def video_spec(spec, length: int) -> SyntheticVideoSpec:
    return SyntheticVideoSpec(width=spec.frame_width, height=spec.frame_height, length=length,
                              max_distractors=spec.max_distractors,
                              occlusion_probability=spec.occlusion_probability)


def load_tracking_data(config) -> TrackingData:
    spec = config.data
    train_photos = load_photo_pool(spec.backgrounds, "train", spec.data_dir)
    test_photos = load_photo_pool(spec.backgrounds, "test", spec.data_dir)
    synthetic = SyntheticVideos(train_photos, video_spec(spec, spec.clip_length),
                                seed=config.seed, count=spec.train_videos)
    folders = load_frame_folders(spec.frame_folders, spec.frame_width, spec.frame_height)
    held_out = SyntheticVideos(test_photos, video_spec(spec, spec.clip_length),
                               seed=HELD_OUT_SEED, count=spec.val_pairs)
    validation = VideoPairBatcher(held_out, spec.val_pairs,
                                  proposals=build_proposals(spec.proposals),
                                  max_gap=spec.max_gap, max_candidates=spec.max_candidates,
                                  pseudo_target=spec.pseudo_target, seed=HELD_OUT_SEED).next()
    clips = SyntheticVideos(test_photos, video_spec(spec, spec.test_clip_length),
                            seed=HELD_OUT_SEED + 1, count=spec.test_clips)
    test_clips = [(f"synthetic_{i:03d}", *clips[i].clip()) for i in range(len(clips))]
    sequences = []
    if spec.eval_sequences:
        path = Path(spec.eval_sequences)
        if not path.is_absolute():
            path = data_root(spec.data_dir) / path
        sequences = discover_sequences(path)
    return TrackingData(ConcatVideos(synthetic, folders), validation, test_clips, sequences)


def _on(batch: dict[str, torch.Tensor], device, count: int | None = None) -> dict:
    return {k: v[:count].to(device) for k, v in batch.items()}


@torch.no_grad()
def validation_losses(method, data: TrackingData, device) -> dict[str, float]:
    """Cycle and candidate box losses of the held-out validation pairs."""
    batch = _on(data.validation, device)
    forward = method.map_xy(batch["x"], batch)
    losses = {"val/cycle_box": float(method.cycle_x_loss(batch["x"], forward, batch))}
    if method.objective.sim_x is not None:
        losses["val/candidate_box"] = float(method.objective.sim_x.mapping_loss(forward, batch))
    return losses


@torch.no_grad()
def sample_rows(method, data: TrackingData, count: int, device):
    """Validation pairs: X with the pseudo-target x (green); Y with T(x, X, Y) (red) and the
    candidates (blue); X with T(T(x)) (red) and x (green)."""
    batch = _on(data.validation, device, count)
    forward = method.map_xy(batch["x"], batch)
    back = method.map_yx(forward, batch)
    frame_x = draw_boxes(batch["frames_x"], batch["x"], GREEN)
    frame_y = draw_boxes(batch["frames_y"], batch["candidates_y"], BLUE,
                         mask=batch["candidates_mask"])
    rows = [frame_x, draw_boxes(frame_y, forward, RED),
            draw_boxes(draw_boxes(batch["frames_x"], batch["x"], GREEN), back, RED)]
    return rows, ["X: pseudo-target x", "Y: T(x) red, candidates blue", "X: T(T(x)) red"]


def track_frames(tracker: Tracker, frames: np.ndarray, init_box: np.ndarray,
                 ) -> tuple[np.ndarray, float]:
    """One-pass run over in-memory frames: boxes (first = ``init_box``) and seconds spent in
    ``init`` / ``update``."""
    started = time.perf_counter()
    tracker.init(frames[0], init_box)
    boxes = [np.asarray(init_box, np.float64)]
    for frame in frames[1:]:
        boxes.append(np.asarray(tracker.update(frame), np.float64))
    return np.stack(boxes), time.perf_counter() - started


def evaluate_clips(make_tracker, clips, protocol: str) -> dict[str, float]:
    """Mean success AUC / precision over held-out synthetic clips, and fps."""
    rules = get_protocol(protocol)
    aucs, precisions, seconds, frames = [], [], 0.0, 0
    for _, clip_frames, boxes in clips:
        predicted, spent = track_frames(make_tracker(), clip_frames, boxes[0])
        scores = frame_scores(rules, boxes, predicted)
        summary = summarise(rules, curves(rules, scores))
        aucs.append(summary["auc"])
        precisions.append(summary["precision"])
        seconds += spent
        frames += len(clip_frames)
    return {"test/synthetic_auc": float(np.mean(aucs)),
            "test/synthetic_precision": float(np.mean(precisions)),
            "test/synthetic_fps": frames / max(seconds, 1e-12)}


def evaluate_sequences_with(make_tracker, sequences: list[Sequence], protocol: str,
                            ) -> dict[str, float]:
    """One-pass runs on labelled sequences: mean and per-sequence AUC, precision, fps."""
    runs = {sequence.name: run_sequence(make_tracker(), sequence) for sequence in sequences}
    report = evaluate_sequences(protocol, sequences, {n: r.boxes for n, r in runs.items()})
    metrics = {f"test/{k}": float(report["mean"][k])
               for k in ("auc", "precision", "norm_precision")}
    for name, row in report["sequences"].items():
        metrics[f"test/auc_{name}"] = float(row["auc"])
    frames = sum(len(r.boxes) for r in runs.values())
    metrics["test/fps"] = frames / max(sum(r.tracking_seconds for r in runs.values()), 1e-12)
    return metrics


def evaluate_cycletrack(method, data: TrackingData, device, progress: bool = False,
                        ) -> dict[str, float]:
    protocol = method.config.data.protocol
    method.eval()
    metrics: dict[str, float] = {}
    if data.test_clips:
        metrics.update(evaluate_clips(method.online_tracker, data.test_clips, protocol))
    if data.sequences:
        metrics.update(evaluate_sequences_with(method.online_tracker, data.sequences, protocol))
    if progress:
        print(", ".join(f"{k} {v:.3f}" for k, v in metrics.items()), flush=True)
    method.train()
    return metrics
