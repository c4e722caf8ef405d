"""The one-pass evaluation run (OPE): init on frame 1's GT box, then one update per frame.

Speed: ``fps`` counts only the time inside ``tracker.init`` / ``tracker.update`` (image
decoding excluded); ``fps_with_decoding`` also counts reading the frames from disk.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cyclekit.atomic import atomic_write_text
from cyclekit.tracking.sequences.box_text import write_boxes
from cyclekit.tracking.sequences.sequence import Sequence
from cyclekit.tracking.tracker import Tracker


@dataclass(frozen=True)
class SequenceRun:
    """Boxes (in the sequence's convention) and timings of one tracker on one sequence."""

    name: str
    boxes: np.ndarray
    tracking_seconds: float
    total_seconds: float

    @property
    def fps(self) -> float:
        return len(self.boxes) / max(self.tracking_seconds, 1e-12)

    @property
    def fps_with_decoding(self) -> float:
        return len(self.boxes) / max(self.total_seconds, 1e-12)


def run_sequence(tracker: Tracker, sequence: Sequence) -> SequenceRun:
    """Track ``sequence`` from its first GT box; the first output line is that box."""
    shift = np.array([sequence.origin, sequence.origin, 0, 0], dtype=np.float64)
    init_box = sequence.init_box
    boxes = [init_box]
    tracking = 0.0
    started = time.perf_counter()
    frame = sequence.read_frame(0)
    tic = time.perf_counter()
    tracker.init(frame, init_box - shift)
    tracking += time.perf_counter() - tic
    for index in range(1, len(sequence)):
        frame = sequence.read_frame(index)
        tic = time.perf_counter()
        box = np.asarray(tracker.update(frame), dtype=np.float64)
        tracking += time.perf_counter() - tic
        boxes.append(box + shift)
    return SequenceRun(sequence.name, np.stack(boxes), tracking, time.perf_counter() - started)


def run_tracker(make_tracker: Callable[[], Tracker], sequences: list[Sequence], out_dir: Path,
                progress: Callable[[SequenceRun], None] | None = None) -> dict:
    """Run a fresh tracker on each sequence, writing ``<name>.txt`` and ``timing.json``."""
    out_dir = Path(out_dir)
    timings = {}
    for sequence in sequences:
        tracker = make_tracker()
        result = run_sequence(tracker, sequence)
        write_boxes(out_dir / f"{sequence.name}.txt", result.boxes)
        timings[sequence.name] = {"frames": len(result.boxes), "fps": result.fps,
                                  "fps_with_decoding": result.fps_with_decoding,
                                  "tracking_seconds": result.tracking_seconds,
                                  "total_seconds": result.total_seconds}
        if progress is not None:
            progress(result)
    frames = sum(t["frames"] for t in timings.values())
    summary = {"tracker": make_tracker().name, "sequences": timings,
               "fps": frames / max(sum(t["tracking_seconds"] for t in timings.values()), 1e-12),
               "fps_with_decoding": frames / max(sum(t["total_seconds"]
                                                     for t in timings.values()), 1e-12),
               "fps_note": "fps: frames / seconds inside init+update (decoding excluded)"}
    atomic_write_text(out_dir / "timing.json", json.dumps(summary, indent=2) + "\n")
    return summary
