"""Proposal sources: the moving object is among the frame-difference boxes, also under camera
motion; the edge-density boxes find a high-contrast object; phase correlation and NMS."""

import numpy as np
import pytest

from cyclekit.errors import ConfigError
from cyclekit.tracking.proposals import (
    EdgeDensityProposals,
    FrameDifferenceProposals,
    build_proposals,
    camera_shift,
    iou_matrix,
    non_maximum_suppression,
    phase_correlation_shifts,
)


def _background(seed=0, size=(120, 160)):
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 255, (size[0] // 8 + 1, size[1] // 8 + 1, 3))
    return np.kron(coarse, np.ones((8, 8, 1)))[:size[0], :size[1]].astype(np.uint8)


def _frame(background, box, shift=(0, 0), patch_seed=1):
    frame = np.roll(background, shift, axis=(0, 1)).copy()
    x, y, w, h = box
    frame[y:y + h, x:x + w] = np.random.default_rng(patch_seed).integers(0, 255, (h, w, 3))
    return frame


@pytest.mark.parametrize("camera", [(0, 0), (3, -5)])
def test_frame_difference_contains_the_moving_object(camera):
    background = _background()
    before = _frame(background, (30, 40, 20, 16))
    now = _frame(background, (36, 43, 20, 16), shift=camera)
    after = _frame(background, (42, 46, 20, 16), shift=(2 * camera[0], 2 * camera[1]))
    source = FrameDifferenceProposals()
    truth = np.array([[36, 43, 20, 16]], np.float32)  # drawn over the moved background
    pair_boxes, _ = source(now, before)
    assert iou_matrix(pair_boxes, truth).max() > 0.4  # the union of both positions
    boxes, scores = source(now, [before, after])  # three-frame difference: where it is now
    assert iou_matrix(boxes[:1], truth).max() > 0.6, boxes
    assert np.all(np.diff(scores) <= 0)


def test_no_motion_gives_no_proposals():
    frame = _background()
    boxes, scores = FrameDifferenceProposals()(frame, frame.copy())
    assert boxes.shape == (0, 4) and scores.shape == (0,)


def test_phase_correlation_finds_the_camera_shift():
    background = _background(2).astype(np.float32).mean(-1)
    moved = np.roll(background, (4, -7), axis=(0, 1))
    assert phase_correlation_shifts(moved, background)[0] == (4, -7)
    assert camera_shift(moved, background) == (4, -7)
    assert camera_shift(background, background.copy()) == (0, 0)


def test_edge_density_finds_a_contrasting_object():
    frame = np.full((120, 160, 3), 128, np.uint8)
    frame[50:80, 60:100] = np.random.default_rng(0).integers(0, 255, (30, 40, 3))
    boxes, _ = EdgeDensityProposals()(frame, None)
    assert iou_matrix(boxes[:3], np.array([[60, 50, 40, 30]], np.float32)).max() > 0.4


def test_nms_keeps_the_best_of_overlapping_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [50, 50, 10, 10]], np.float32)
    keep = non_maximum_suppression(boxes, np.array([0.5, 0.9, 0.1]), 0.5, 5)
    assert keep.tolist() == [1, 2]


def test_build_proposals_concatenates_and_rejects_unknown_names():
    background = _background()
    propose = build_proposals(["frame_difference", "edge_density"])
    boxes, scores = propose(_frame(background, (36, 43, 20, 16)),
                            _frame(background, (30, 40, 20, 16)))
    assert len(boxes) == len(scores) > 1
    with pytest.raises(ConfigError, match="unknown proposal source"):
        build_proposals(["selective_search"])
