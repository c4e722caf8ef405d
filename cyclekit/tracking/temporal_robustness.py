"""Temporal robustness evaluation (TRE; Wu, Lim & Yang, "Online Object Tracking: A Benchmark",
CVPR 2013, Sec. 4.2): each sequence is tracked from several starting frames spread over it,
each run initialised on that frame's ground truth, and the frames of all runs are pooled.

One-pass evaluation (OPE) scores a tracker by a single trajectory per sequence, so one lost
target changes a sequence's AUC by tenths; TRE averages over ``segments`` starts and is much
less sensitive to where a tracker happens to fail. Starts follow the OTB toolkit's rule
(``splitSeqTRE``): among the frames with a valid ground-truth box, the last start leaves at
least ``min_length`` frames, and ``segments`` starts are spaced evenly up to it. Each run is
scored under the chosen protocol exactly as a one-pass run on the shortened sequence; a
sequence's curves pool the frames of its runs, and the mean over sequences follows the
protocol (as ``cyclekit.tracking.success_precision.evaluate_sequences``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from cyclekit.errors import DataError
from cyclekit.tracking.protocols import TrackingProtocol, get_protocol
from cyclekit.tracking.runner import run_sequence
from cyclekit.tracking.sequences.sequence import Sequence
from cyclekit.tracking.success_precision import (
    curves,
    frame_scores,
    pool_scores,
    sequence_mean,
    summarise,
)
from cyclekit.tracking.tracker import Tracker

SEGMENTS = 20  # OTB's segNum
MIN_LENGTH = 20  # OTB's minNum: frames a run must have at least


def tre_starts(sequence: Sequence, segments: int = SEGMENTS,
               min_length: int = MIN_LENGTH) -> list[int]:
    """0-based start frames of the TRE runs of ``sequence`` (the first is frame 0 when its
    box is valid, so the first run is the one-pass run)."""
    if segments < 2 or min_length < 1:
        raise DataError(f"TRE needs at least 2 segments and min_length >= 1, got "
                        f"{segments} / {min_length}")
    candidates = np.flatnonzero(sequence.valid)
    usable = candidates[len(sequence) - candidates >= min_length]
    if len(usable) == 0:
        raise DataError(f"sequence {sequence.name}: no frame with a valid box leaves "
                        f"{min_length} frames to track; TRE cannot start")
    last = int(np.flatnonzero(candidates == usable[-1])[0]) + 1  # 1-based, as OTB counts
    positions = np.floor(np.arange(1, last, last / (segments - 1))).astype(int).tolist()
    return [int(candidates[p - 1]) for p in positions + [last]]


def from_frame(sequence: Sequence, start: int) -> Sequence:
    """``sequence`` from frame ``start`` on (its ground truth and flags cut alike)."""
    return dataclasses.replace(sequence, frames=sequence.frames[start:],
                               boxes=sequence.boxes[start:], absent=sequence.absent[start:])


def evaluate_tre(protocol: TrackingProtocol | str, sequences: list[Sequence],
                 make_tracker: Callable[[], Tracker], segments: int = SEGMENTS,
                 min_length: int = MIN_LENGTH,
                 progress: Callable[[str, int, int], None] | None = None) -> dict:
    """TRE scores of fresh ``make_tracker()`` trackers: per sequence (frames pooled over its
    runs) and the protocol's mean, with the starts used and the tracking time, JSON-ready."""
    protocol = get_protocol(protocol) if isinstance(protocol, str) else protocol
    if not sequences:
        raise DataError("no sequences to evaluate")
    per_sequence, all_scores, frames, seconds = {}, [], 0, 0.0
    for sequence in sequences:
        size = sequence.image_size() if protocol.needs_image_size else None
        starts = tre_starts(sequence, segments, min_length)
        runs = []
        for index, start in enumerate(starts):
            part = from_frame(sequence, start)
            run = run_sequence(make_tracker(), part)
            runs.append(frame_scores(protocol, part.boxes, run.boxes, part.absent, size,
                                     f"{sequence.name} from frame {start}"))
            frames += len(run.boxes)
            seconds += run.tracking_seconds
            if progress is not None:
                progress(sequence.name, index + 1, len(starts))
        pooled = pool_scores(runs)
        all_scores.append(pooled)
        per_sequence[sequence.name] = {
            "frames": len(sequence), "starts": starts,
            **summarise(protocol, curves(protocol, pooled), pooled.ious)}
    return {"protocol": protocol.name, "evaluation": "tre", "rules": list(protocol.rules),
            "segments": segments, "min_length": min_length, "sequences": per_sequence,
            "mean": sequence_mean(protocol, per_sequence, all_scores),
            "tracked_frames": frames, "fps": frames / max(seconds, 1e-12)}

