"""Box loss L_b (GIoU + L1) and CycleTrack's pseudo-label: the candidate of highest IoU."""

import pytest
import torch

from cyclekit.tracking.box_loss import BoxLoss, box_iou_and_giou, motion_weights
from cyclekit.tracking.candidate_matching import CandidateMatching, best_candidates


def test_iou_and_giou_of_known_boxes():
    a = torch.tensor([0.0, 0.0, 2.0, 2.0])
    iou, giou = box_iou_and_giou(a, torch.tensor([1.0, 1.0, 2.0, 2.0]))
    assert iou == pytest.approx(1 / 7) and giou == pytest.approx(1 / 7 - 2 / 9)
    iou, giou = box_iou_and_giou(a, torch.tensor([3.0, 0.0, 1.0, 2.0]))
    assert iou == 0 and giou == pytest.approx(-2 / 8)


def test_box_loss_is_zero_only_at_the_target_and_weights_select_boxes():
    loss = BoxLoss(giou_weight=2.0, l1_weight=5.0)
    target = torch.tensor([[0.1, 0.2, 0.3, 0.4], [0.5, 0.5, 0.2, 0.2]])
    assert loss(target, target) == pytest.approx(0.0, abs=1e-6)
    moved = target + torch.tensor([0.05, 0.0, 0.0, 0.0])
    assert loss(target, moved) > 0
    only_first = loss(target, torch.stack([target[0], moved[1]]), weights=torch.tensor([1., 0.]))
    assert only_first == pytest.approx(0.0, abs=1e-6)


def test_pseudo_label_is_the_candidate_of_highest_iou():
    predicted = torch.tensor([[0.1, 0.1, 0.2, 0.2], [0.6, 0.6, 0.2, 0.2], [0.0, 0.0, 0.1, 0.1]])
    candidates = torch.tensor([
        [[0.5, 0.5, 0.2, 0.2], [0.12, 0.1, 0.2, 0.2], [0.1, 0.1, 0.3, 0.3]],
        [[0.6, 0.6, 0.2, 0.2], [0.61, 0.6, 0.2, 0.2], [0.0, 0.0, 0.0, 0.0]],
        [[0.0, 0.0, 0.1, 0.1], [0.5, 0.5, 0.1, 0.1], [0.2, 0.2, 0.1, 0.1]],
    ])
    mask = torch.tensor([[True, True, True], [False, True, False], [False, False, False]])
    chosen, valid = best_candidates(predicted, candidates, mask)
    assert torch.equal(chosen[0], candidates[0, 1])
    assert torch.equal(chosen[1], candidates[1, 1])  # the exact match is masked out
    assert valid.tolist() == [True, True, False]


def test_candidate_term_pulls_the_box_towards_its_pseudo_label():
    term = CandidateMatching(BoxLoss())
    box = torch.tensor([[0.1, 0.1, 0.2, 0.2]], requires_grad=True)
    batch = {"candidates_y": torch.tensor([[[0.15, 0.1, 0.2, 0.2], [0.7, 0.7, 0.1, 0.1]]]),
             "candidates_mask": torch.tensor([[True, True]])}
    term.mapping_loss(box, batch).backward()
    assert box.grad[0, 0] < 0  # moving x right, towards the candidate, lowers the loss
    empty = {**batch, "candidates_mask": torch.tensor([[False, False]])}
    assert term.mapping_loss(box, empty) == 0


def test_motion_weights_favour_pairs_that_moved():
    start = torch.tensor([[0.1, 0.1, 0.2, 0.2], [0.5, 0.5, 0.1, 0.1], [0.3, 0.3, 0.1, 0.1]])
    moved = start + torch.tensor([[0.0, 0.0, 0.0, 0.0], [0.1, 0.0, 0.0, 0.0],
                                  [0.0, 0.2, 0.0, 0.0]])
    weights = motion_weights(start, moved)
    # displacements in box sizes: 0, 1, 2 -> squared 0, 1, 4 -> mean 1
    assert torch.allclose(weights, torch.tensor([0.0, 0.6, 2.4]))
    assert torch.equal(motion_weights(start, start), torch.ones(3))

