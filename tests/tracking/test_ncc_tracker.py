"""The fixed-template NCC baseline follows a textured patch."""

import numpy as np
import pytest

from cyclekit.tracking.ncc import NCCTracker, ncc_map
from cyclekit.tracking.runner import run_sequence
from cyclekit.tracking.sequences.otb import load_otb
from cyclekit.tracking.success_precision import evaluate_sequences


def test_ncc_map_peaks_at_the_template_position():
    rng = np.random.default_rng(1)
    image = rng.random((40, 50)).astype(np.float32)
    template = image[12:22, 30:38].copy()
    response = ncc_map(image, template)
    assert np.unravel_index(np.argmax(response), response.shape) == (12, 30)
    assert response.max() == pytest.approx(1.0, abs=1e-4)


def test_ncc_tracks_a_moving_patch(moving_patch):
    folder, gt = moving_patch
    sequence = load_otb(folder)
    result = run_sequence(NCCTracker(), sequence)
    assert len(result.boxes) == len(sequence)
    np.testing.assert_allclose(result.boxes[0], gt[0])
    np.testing.assert_allclose(result.boxes[:, :2], gt[:, :2], atol=1.5)
    report = evaluate_sequences("pysot_otb", [sequence], {"Patch": result.boxes})
    assert report["mean"]["auc"] > 0.75 and report["mean"]["precision"] == 1.0


def test_ncc_keeps_its_box_when_the_search_window_leaves_the_image():
    frame = np.random.default_rng(2).integers(0, 255, (40, 40, 3), dtype=np.uint8)
    tracker = NCCTracker()
    tracker.init(frame, np.array([5.0, 5.0, 10.0, 10.0]))
    tracker.box = np.array([100.0, 100.0, 10.0, 10.0])  # drifted far outside
    np.testing.assert_allclose(tracker.update(frame), [100, 100, 10, 10])
    tracker.box = np.array([-3.0, 2.0, 60.0, 60.0])  # larger than the frame
    assert tracker.update(frame).shape == (4,)
