"""The one-pass runner: coordinate conversion, result files, timings, tracker lookup."""

import json

import numpy as np
import pytest

import cyclekit.tracking.trackers as trackers
from cyclekit.errors import ConfigError
from cyclekit.tracking.runner import run_sequence, run_tracker
from cyclekit.tracking.sequences.box_text import read_box_lines
from cyclekit.tracking.sequences.otb import load_otb
from cyclekit.tracking.tracker import Tracker


class StandStill(Tracker):
    """Answers the init box every frame and remembers what it was given."""

    name = "standstill"

    def init(self, frame, box):
        self.frame_shape, self.box = frame.shape, np.asarray(box, float)

    def update(self, frame):
        return self.box


def test_trackers_see_zero_based_boxes_and_results_come_back_one_based(moving_patch):
    folder, gt = moving_patch
    tracker = StandStill()
    result = run_sequence(tracker, load_otb(folder))
    np.testing.assert_allclose(tracker.box, gt[0] - [1, 1, 0, 0])
    assert tracker.frame_shape == (96, 96, 3)
    np.testing.assert_allclose(result.boxes, np.repeat(gt[:1], len(gt), axis=0))
    assert result.fps > 0 and result.total_seconds >= result.tracking_seconds


def test_run_tracker_writes_one_file_per_sequence_and_timings(moving_patch, tmp_path):
    folder, gt = moving_patch
    out = tmp_path / "results"
    summary = run_tracker(StandStill, [load_otb(folder)], out)
    boxes = read_box_lines(out / "Patch.txt")
    assert boxes.shape == (len(gt), 4)
    timing = json.loads((out / "timing.json").read_text())
    assert timing["tracker"] == "standstill" and timing["sequences"]["Patch"]["frames"] == len(gt)
    assert summary["fps"] > 0
    assert sorted(p.name for p in out.iterdir()) == ["Patch.txt", "timing.json"]  # no temp files


def test_tracker_factory(tmp_path, monkeypatch):
    assert isinstance(trackers.tracker_factory("ncc")(), Tracker)
    with pytest.raises(ConfigError, match="neither a baseline"):
        trackers.tracker_factory(tmp_path / "nowhere")
    (tmp_path / "config.yaml").write_text("method: cyclegan\n")
    with pytest.raises(ConfigError, match="method 'cyclegan', which has no tracker loader"):
        trackers.tracker_factory(tmp_path)
    monkeypatch.setitem(trackers.RUN_TRACKERS, "cyclegan", lambda run_dir, device: StandStill)
    assert trackers.tracker_factory(tmp_path) is StandStill
