"""One-pass tracking metrics: success curve and AUC, precision at 20 px, normalised precision.

Scores follow a named protocol (``cyclekit.tracking.protocols``: ``pysot_otb``,
``lasot``, ``got10k``); every result records the protocol's name and rules. Success rate at
threshold t is the share of frames with IoU > t (Wu, Lim & Yang, OTB, TPAMI 2015, Sec. 4.1);
AUC is the mean of the success curve; precision is the share of frames whose centre error is
<= 20 px; normalised precision divides centre coordinates by the GT width and height first
(Mueller et al., TrackingNet, ECCV 2018) and is read at 0.2.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from cyclekit.errors import DataError
from cyclekit.tracking.protocols import (
    FrameScores,
    TrackingProtocol,
    get_protocol,
)
from cyclekit.tracking.sequences.sequence import Sequence


def check_length(protocol: TrackingProtocol, name: str, gt_frames: int,
                 predictions: np.ndarray) -> np.ndarray:
    """Predictions of the right length for ``protocol`` (LaSOT truncates longer results)."""
    predictions = np.asarray(predictions, dtype=np.float64)
    if predictions.ndim != 2 or predictions.shape[1] != 4:
        raise DataError(f"{name}: predicted boxes must be N x 4 (x,y,w,h), got shape "
                        f"{predictions.shape}")
    if len(predictions) > gt_frames and protocol.long_results == "truncate":
        return predictions[:gt_frames]
    if len(predictions) != gt_frames:
        raise DataError(f"{name}: {len(predictions)} predicted boxes for {gt_frames} "
                        f"ground-truth frames; the {protocol.name} protocol needs one per frame")
    return predictions


def frame_scores(protocol: TrackingProtocol | str, gt: np.ndarray, predictions: np.ndarray,
                 absent: np.ndarray | None = None, image_size: tuple[int, int] | None = None,
                 name: str = "sequence") -> FrameScores:
    """Per-frame IoU and centre errors of one sequence under ``protocol``."""
    protocol = get_protocol(protocol) if isinstance(protocol, str) else protocol
    gt = np.asarray(gt, dtype=np.float64)
    predictions = check_length(protocol, name, len(gt), predictions)
    absent = np.zeros(len(gt), bool) if absent is None else np.asarray(absent, bool)
    return protocol.score(gt, predictions, absent, image_size)


def curves(protocol: TrackingProtocol, scores: FrameScores) -> dict[str, np.ndarray]:
    """Success, precision and normalised-precision curves over the protocol's thresholds."""
    def rate(values, thresholds, above):
        with np.errstate(invalid="ignore"):
            hits = values[:, None] > thresholds if above else values[:, None] <= thresholds
        return hits.sum(axis=0) / scores.denominator

    return {"success": rate(scores.ious, protocol.iou_thresholds, True),
            "precision": rate(scores.center_errors, protocol.error_thresholds, False),
            "norm_precision": rate(scores.norm_center_errors, protocol.norm_thresholds, False)}


def summarise(protocol: TrackingProtocol, curve: dict[str, np.ndarray],
              ious: np.ndarray | None = None) -> dict:
    """AUC, precision@20, normalised precision@0.2 (+ AO, SR for got10k) and the curves."""
    at = int(np.argmin(np.abs(protocol.error_thresholds - protocol.precision_at)))
    at_norm = int(np.argmin(np.abs(protocol.norm_thresholds - protocol.norm_precision_at)))
    summary = {"auc": float(np.mean(curve["success"])),
               "precision": float(curve["precision"][at]),
               "norm_precision": float(curve["norm_precision"][at_norm])}
    if protocol.name == "got10k" and ious is not None:
        summary.update(ao=float(np.mean(ious)) if len(ious) else float("nan"),
                       sr50=float(np.mean(ious > 0.5)) if len(ious) else float("nan"),
                       sr75=float(np.mean(ious > 0.75)) if len(ious) else float("nan"))
    summary["curves"] = {k: [float(v) for v in values] for k, values in curve.items()}
    return summary


def evaluate_sequences(protocol: TrackingProtocol | str, sequences: list[Sequence],
                       predictions: Mapping[str, np.ndarray]) -> dict:
    """Per-sequence and mean scores of ``predictions[name]`` on each sequence, JSON-ready."""
    protocol = get_protocol(protocol) if isinstance(protocol, str) else protocol
    if not sequences:
        raise DataError("no sequences to evaluate")
    per_sequence, all_scores = {}, []
    for sequence in sequences:
        if sequence.name not in predictions:
            raise DataError(f"no predicted boxes for sequence {sequence.name}")
        size = sequence.image_size() if protocol.needs_image_size else None
        scores = frame_scores(protocol, sequence.boxes, predictions[sequence.name],
                              sequence.absent, size, sequence.name)
        all_scores.append(scores)
        per_sequence[sequence.name] = {"frames": len(sequence),
                                       **summarise(protocol, curves(protocol, scores), scores.ious)}
    return {"protocol": protocol.name, "rules": list(protocol.rules),
            "sequences": per_sequence,
            "mean": sequence_mean(protocol, per_sequence, all_scores)}


def pool_scores(scores: list[FrameScores]) -> FrameScores:
    """The frames of several runs or sequences as one: scores concatenated, denominators
    added."""
    return FrameScores(*(np.concatenate([getattr(s, f) for s in scores])
                         for f in ("ious", "center_errors", "norm_center_errors")),
                       denominator=sum(s.denominator for s in scores))


def sequence_mean(protocol: TrackingProtocol, per_sequence: dict,
                  all_scores: list[FrameScores]) -> dict:
    """The protocol's mean over sequences: of their curves, or of all their frames pooled."""
    if protocol.sequence_mean == "pooled":
        pooled = pool_scores(all_scores)
        mean = summarise(protocol, curves(protocol, pooled), pooled.ious)
    else:
        mean_curves = {}
        for key in ("success", "precision", "norm_precision"):
            rows = np.asarray([s["curves"][key] for s in per_sequence.values()])
            if protocol.sequence_mean == "mean_nonzero":  # LaSOT: all-zero curves left out
                rows = rows[rows.sum(axis=1) > np.finfo(float).eps]
            mean_curves[key] = rows.mean(axis=0) if len(rows) else np.zeros(rows.shape[1])
        mean = summarise(protocol, mean_curves)
    mean["sequences"] = len(per_sequence)
    return mean
