"""Named one-pass evaluation protocols: how each toolkit scores one sequence frame by frame.

Each preset re-implements (never copies) the rules of a reference toolkit, read from its code:

* ``pysot_otb`` -- STVIR/pysot ``toolkit/evaluation/ope_benchmark.py`` + ``utils/statistics.py``.
* ``lasot`` -- HengLan/LaSOT_Evaluation_Toolkit ``utils/calc_seq_err_robust.m``,
  ``eval_tracker.m``, ``plot_draw_save.m`` (the OTB MATLAB rules plus absent frames).
* ``got10k`` -- got-10k/toolkit ``experiments/got10k.py`` + ``utils/metrics.py`` (``rect_iou``).

A protocol turns (GT boxes, predicted boxes, absent flags, image size) into ``FrameScores``:
per-frame IoU (``-1`` where the rule counts the frame as an IoU miss), centre error and
normalised centre error (``-1`` where the rule counts the frame as a precision *hit*, a quirk
both pysot and the MATLAB toolkit share), and the number the counts are divided by.
Success(t) = #(IoU > t) / denominator, precision(t) = #(error <= t) / denominator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cyclekit.errors import ConfigError, DataError


@dataclass(frozen=True)
class FrameScores:
    """Per-frame scores of one sequence under one protocol."""

    ious: np.ndarray
    center_errors: np.ndarray
    norm_center_errors: np.ndarray
    denominator: float


@dataclass(frozen=True)
class TrackingProtocol:
    """A named set of scoring rules (see the module docstring for the sources)."""

    name: str
    rules: tuple[str, ...]
    iou_thresholds: np.ndarray
    error_thresholds: np.ndarray
    norm_thresholds: np.ndarray
    precision_at: float
    norm_precision_at: float
    sequence_mean: str  # "mean" | "mean_nonzero" | "pooled"
    long_results: str  # "error" | "truncate"
    needs_image_size: bool
    score: Callable[[np.ndarray, np.ndarray, np.ndarray, tuple[int, int] | None], FrameScores]


def centers(boxes: np.ndarray) -> np.ndarray:
    """Box centres with the toolkits' pixel convention: x + (w - 1) / 2, y + (h - 1) / 2."""
    return boxes[:, :2] + (boxes[:, 2:] - 1) / 2


def overlap_continuous(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of (x, y, w, h) boxes, extents x..x+w, clipped to [0, 1] (pysot ``overlap_ratio``)."""
    inter_w = np.maximum(0, np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
                         - np.maximum(a[:, 0], b[:, 0]))
    inter_h = np.maximum(0, np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
                         - np.maximum(a[:, 1], b[:, 1]))
    inter = inter_w * inter_h
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / (a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter)
    return np.maximum(np.minimum(1, iou), 0)


def overlap_matlab(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU as the OTB/LaSOT MATLAB ``calc_rect_int``: inclusive pixel extents x..x+w-1, with
    the +1 added back to the intersection (the two cancel), areas w*h, no clipping."""
    right_a, right_b = a[:, 0] + a[:, 2] - 1, b[:, 0] + b[:, 2] - 1
    bottom_a, bottom_b = a[:, 1] + a[:, 3] - 1, b[:, 1] + b[:, 3] - 1
    inter = (np.maximum(0, np.minimum(right_a, right_b) - np.maximum(a[:, 0], b[:, 0]) + 1)
             * np.maximum(0, np.minimum(bottom_a, bottom_b) - np.maximum(a[:, 1], b[:, 1]) + 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return inter / (a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter)


def _errors(gt: np.ndarray, pred: np.ndarray, scale: np.ndarray | float = 1.0) -> np.ndarray:
    """Distance between the centres of ``gt`` and ``pred``, each centre divided by ``scale``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(np.sum((centers(gt) / scale - centers(pred) / scale) ** 2, axis=1))


def score_pysot(gt, pred, absent, image_size=None) -> FrameScores:
    """pysot OTB: every GT line counts in the denominator, the first frame included; absent
    frames are dropped but still counted (misses); IoU only where GT w > 0 and h > 0 (else a
    miss); precision only where the GT centre has x > 0 and y > 0 (else a hit)."""
    n_frame = len(gt)
    gt, pred = gt[~absent], pred[~absent]
    ious = -np.ones(len(gt))
    with np.errstate(invalid="ignore"):
        sized = (gt[:, 2] > 0) & (gt[:, 3] > 0)
        ious[sized] = overlap_continuous(gt[sized], pred[sized])
        errors = -np.ones(len(gt))
        placed = (centers(gt) > 0).all(axis=1)
        errors[placed] = _errors(gt[placed], pred[placed])
        scale = gt[:, 2:] + 1e-16
        norm_errors = -np.ones(len(gt))
        placed_norm = (centers(gt) / scale > 0).all(axis=1)
        norm_errors[placed_norm] = _errors(gt[placed_norm], pred[placed_norm],
                                           scale[placed_norm])
    return FrameScores(ious, errors, norm_errors, float(n_frame))


def score_lasot(gt, pred, absent, image_size=None) -> FrameScores:
    """LaSOT MATLAB: a NaN / non-positive-size prediction (frames 2..N, GT not NaN) is replaced
    by the previous one; frame 1's prediction is replaced by its GT (so it counts as IoU 1);
    absent frames are dropped but the denominator is all frames (+eps); a frame counts only if
    all four GT numbers are > 0 (x = 0 makes it a miss for IoU and a hit for precision);
    IoU with MATLAB's inclusive-pixel rule; normalised error divides centres by GT w, h."""
    pred = pred.copy()
    for i in range(1, len(gt)):
        r = pred[i]
        if (np.isnan(r).any() or r[2] <= 0 or r[3] <= 0) and not np.isnan(gt[i]).any():
            pred[i] = pred[i - 1]
    pred[0] = gt[0]
    gt, pred = gt[~absent], pred[~absent]
    with np.errstate(invalid="ignore"):
        counted = (gt > 0).all(axis=1)
    ious = -np.ones(len(gt))
    ious[counted] = overlap_matlab(pred[counted], gt[counted])
    errors = _errors(gt, pred)
    errors[~counted] = -1
    norm_errors = _errors(gt, pred, gt[:, 2:])
    norm_errors[~counted] = -1
    return FrameScores(ious, errors, norm_errors, len(absent) + np.finfo(float).eps)


def _clip_to_image(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    boxes = boxes.copy()
    boxes[:, 0] = np.clip(boxes[:, 0], 0, width)
    boxes[:, 1] = np.clip(boxes[:, 1], 0, height)
    boxes[:, 2] = np.clip(boxes[:, 2], 0, width - boxes[:, 0])
    boxes[:, 3] = np.clip(boxes[:, 3], 0, height - boxes[:, 1])
    return boxes


def score_got10k(gt, pred, absent, image_size=None) -> FrameScores:
    """GOT-10k: the first frame is not scored; absent frames leave numerator and denominator;
    boxes are clipped to the image before IoU = inter / (union + eps), clipped to [0, 1];
    there is no GT-validity rule (a zero-size GT scores IoU 0). Centre errors (not part of
    GOT-10k's own protocol) use got10k's ``center_error`` on the unclipped boxes."""
    if image_size is None:
        raise DataError("the got10k protocol clips boxes to the image: give the image size")
    if not np.isfinite(pred).all():
        raise DataError("the got10k protocol has no rule for NaN / infinite predicted boxes")
    keep = ~absent[1:]
    gt, pred = gt[1:][keep], pred[1:][keep]
    if not np.isfinite(gt).all():
        raise DataError("the got10k protocol needs finite GT on every visible frame after the "
                        "first; flag unannotated frames as absent")
    width, height = image_size
    a, b = _clip_to_image(pred, width, height), _clip_to_image(gt, width, height)
    inter_w = np.maximum(np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
                         - np.maximum(a[:, 0], b[:, 0]), 0)
    inter_h = np.maximum(np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
                         - np.maximum(a[:, 1], b[:, 1]), 0)
    inter = inter_w * inter_h
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    ious = np.clip(inter / (union + np.finfo(float).eps), 0.0, 1.0)
    return FrameScores(ious, _errors(gt, pred), _errors(gt, pred, gt[:, 2:]), float(len(gt)))


_PIXELS = np.arange(0, 51, 1).astype(float)
_NORM = np.arange(0, 51, 1) / 100

PROTOCOLS: dict[str, TrackingProtocol] = {
    "pysot_otb": TrackingProtocol(
        name="pysot_otb",
        rules=("success: 21 IoU thresholds np.arange(0, 1.05, 0.05), IoU > t; AUC = mean",
               ("precision: centre error <= t px, t = 0..50, reported at 20; normalised "
                "precision: centre / GT (w, h), t = 0..0.5, reported at 0.2"),
               "denominator: all GT frames, first frame included",
               "GT w <= 0 or h <= 0: IoU miss; GT centre x or y <= 0: precision hit",
               "absent frames (if flagged) dropped but counted as misses",
               "results must have exactly one line per GT frame",
               "mean over sequences of per-sequence AUC / precision"),
        iou_thresholds=np.arange(0, 1.05, 0.05), error_thresholds=_PIXELS,
        norm_thresholds=_NORM, precision_at=20.0, norm_precision_at=0.2,
        sequence_mean="mean", long_results="error", needs_image_size=False, score=score_pysot),
    "lasot": TrackingProtocol(
        name="lasot",
        rules=(("success: 21 IoU thresholds 0:0.05:1, IoU > t (MATLAB calc_rect_int); "
                "AUC = mean"),
               "precision: error <= t, t = 0:50 (normalised: 0:50 / 100), reported at 20 / 0.2",
               ("frame 1's prediction replaced by its GT; invalid predictions (NaN, w or h "
                "<= 0) replaced by the previous frame's"),
               "absent frames dropped, denominator = all frames + eps",
               "GT counted only if x, y, w, h all > 0: else IoU miss, precision hit",
               "longer results truncated to the GT length",
               "mean over sequences whose curve is not all zero"),
        iou_thresholds=np.arange(0, 1.05, 0.05), error_thresholds=_PIXELS,
        norm_thresholds=_NORM, precision_at=20.0, norm_precision_at=0.2,
        sequence_mean="mean_nonzero", long_results="truncate", needs_image_size=False,
        score=score_lasot),
    "got10k": TrackingProtocol(
        name="got10k",
        rules=(("success: 101 IoU thresholds np.linspace(0, 1, 101), IoU > t; AUC = mean; "
                "AO = mean IoU; SR = share of IoU > 0.5 / 0.75"),
               "first frame not scored; absent frames removed from numerator and denominator",
               "boxes clipped to the image; IoU = inter / (union + eps), clipped to [0, 1]",
               "no GT validity rule: zero-size GT scores IoU 0",
               "results must have exactly one line per GT frame",
               "overall scores pool the frames of all sequences",
               "precision (not in GOT-10k's protocol): got10k centre_error on the same frames"),
        iou_thresholds=np.linspace(0, 1, 101), error_thresholds=_PIXELS,
        norm_thresholds=_NORM, precision_at=20.0, norm_precision_at=0.2,
        sequence_mean="pooled", long_results="error", needs_image_size=True, score=score_got10k),
}


def get_protocol(name: str) -> TrackingProtocol:
    if name not in PROTOCOLS:
        raise ConfigError(f"unknown tracking protocol {name!r}; choose one of {list(PROTOCOLS)}")
    return PROTOCOLS[name]
