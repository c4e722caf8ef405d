"""TRE: OTB's start frames, runs cut from the sequence, frames pooled per sequence."""

import numpy as np
import pytest
from PIL import Image

from cyclekit.errors import DataError
from cyclekit.tracking.sequences.sequence import Sequence
from cyclekit.tracking.success_precision import evaluate_sequences
from cyclekit.tracking.temporal_robustness import evaluate_tre, from_frame, tre_starts
from cyclekit.tracking.tracker import Tracker

NEAR, FAR = [11.0, 11.0, 20.0, 20.0], [61.0, 61.0, 20.0, 20.0]


class StandStill(Tracker):
    name = "standstill"

    def init(self, frame, box):
        self.box = np.asarray(box, float)

    def update(self, frame):
        return self.box


def _sequence(tmp_path, boxes) -> Sequence:
    frame = tmp_path / "frame.png"
    Image.fromarray(np.zeros((96, 96, 3), np.uint8)).save(frame)
    return Sequence("Jump", tuple([frame] * len(boxes)), np.asarray(boxes, float))


def test_starts_follow_otbs_rule(tmp_path):
    sequence = _sequence(tmp_path, [NEAR] * 30)
    # last start leaves 10 frames (frame 20, 21st valid frame); arange(1, 21, 10.5) -> 1, 11
    assert tre_starts(sequence, segments=3, min_length=10) == [0, 10, 20]
    starts = tre_starts(_sequence(tmp_path, [NEAR] * 100))
    assert len(starts) == 20 and starts[0] == 0 and starts[-1] == 80
    assert starts == sorted(set(starts))


def test_starts_skip_frames_without_a_valid_box(tmp_path):
    boxes = [[np.nan] * 4] * 3 + [NEAR] * 27
    # valid frames 3..29; frame 20 is the 18th of them; arange(1, 18, 9) -> 1, 10
    assert tre_starts(_sequence(tmp_path, boxes), segments=3, min_length=10) == [3, 12, 20]


def test_too_short_a_sequence_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="leaves 20 frames"):
        tre_starts(_sequence(tmp_path, [NEAR] * 12))


def test_from_frame_cuts_frames_boxes_and_flags_alike(tmp_path):
    part = from_frame(_sequence(tmp_path, [NEAR] * 10 + [FAR] * 5), 10)
    assert len(part) == 5 and part.absent.shape == (5,)
    np.testing.assert_array_equal(part.boxes, np.asarray([FAR] * 5))


def test_frames_of_all_runs_are_pooled(tmp_path):
    # the target jumps away at frame 15; a tracker that never moves is right before the jump
    # in runs that start before it, and everywhere in runs that start after it
    sequence = _sequence(tmp_path, [NEAR] * 15 + [FAR] * 15)
    report = evaluate_tre("pysot_otb", [sequence], StandStill, segments=3, min_length=10)
    row = report["sequences"]["Jump"]
    assert row["starts"] == [0, 10, 20]
    assert report["tracked_frames"] == 30 + 20 + 10
    hits = 15 + 5 + 10  # of 60 frames, each with IoU 1 (the rest 0)
    np.testing.assert_allclose(row["curves"]["success"][:-1], hits / 60)
    assert row["auc"] == pytest.approx(hits / 60 * 20 / 21)  # IoU 1 is not > 1
    one_pass = evaluate_sequences("pysot_otb", [sequence],
                                  {"Jump": np.asarray([NEAR] * 30, float)})
    assert one_pass["mean"]["auc"] == pytest.approx(0.5 * 20 / 21)
    assert report["mean"]["auc"] == pytest.approx(row["auc"])
