import pytest
import torch

from cyclekit.errors import DataError
from cyclekit.translation.segmentation import (
    class_iou,
    confusion_matrix,
    fcn_scores,
    per_class_accuracy,
    pixel_accuracy,
)

# Hand-made 2 x 3 maps over 4 classes (class 3 occurs nowhere):
#   truth  0 0 1     predicted  0 1 1
#          1 2 2                1 2 0
TRUTH = torch.tensor([[0, 0, 1], [1, 2, 2]])
PREDICTED = torch.tensor([[0, 1, 1], [1, 2, 0]])


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    expected = torch.tensor([[1, 1, 0, 0],
                             [0, 2, 0, 0],
                             [1, 0, 1, 0],
                             [0, 0, 0, 0]])
    assert torch.equal(confusion_matrix(TRUTH, PREDICTED, 4), expected)


def test_scores_by_hand():
    confusion = confusion_matrix(TRUTH, PREDICTED, 4)
    assert pixel_accuracy(confusion) == pytest.approx(4 / 6)
    # recall of the present classes 0, 1, 2: 1/2, 2/2, 1/2 (absent class 3 left out)
    assert per_class_accuracy(confusion) == pytest.approx((1 / 2 + 1 + 1 / 2) / 3)
    # IoU: class 0 = 1 / (2 + 2 - 1), class 1 = 2 / (2 + 3 - 2), class 2 = 1 / (2 + 1 - 1)
    assert class_iou(confusion) == pytest.approx((1 / 3 + 2 / 3 + 1 / 2) / 3)
    assert fcn_scores(confusion) == {"pixel_acc": pytest.approx(4 / 6),
                                     "class_acc": pytest.approx(2 / 3),
                                     "class_iou": pytest.approx(0.5)}


def test_class_predicted_but_absent_from_truth_is_not_averaged():
    confusion = confusion_matrix(torch.tensor([0, 0, 1, 1]), torch.tensor([0, 2, 1, 1]), 3)
    assert pixel_accuracy(confusion) == pytest.approx(3 / 4)
    assert per_class_accuracy(confusion) == pytest.approx((1 / 2 + 1) / 2)
    # class 2 is absent from the truth: its IoU of 0 is not averaged, but its false positive
    # still costs class 0 (IoU 1/2)
    assert class_iou(confusion) == pytest.approx((1 / 2 + 1) / 2)


def test_perfect_and_batched_maps():
    truth = torch.randint(0, 5, (3, 4, 4), generator=torch.Generator().manual_seed(0))
    assert fcn_scores(confusion_matrix(truth, truth, 5)) == {"pixel_acc": 1.0, "class_acc": 1.0,
                                                              "class_iou": 1.0}
    # a dataset's matrix is the sum of its images' matrices
    wrong = (truth + 1) % 5
    total = confusion_matrix(truth, wrong, 5)
    assert torch.equal(total, sum(confusion_matrix(t, w, 5) for t, w in zip(truth, wrong)))
    assert pixel_accuracy(total) == 0.0 and class_iou(total) == 0.0


def test_ignored_truth_pixels_are_not_counted():
    confusion = confusion_matrix(torch.tensor([0, 255, 1]), torch.tensor([0, 1, 0]), 2)
    assert confusion.sum() == 2 and pixel_accuracy(confusion) == pytest.approx(0.5)


def test_bad_inputs():
    with pytest.raises(DataError, match="differ in shape"):
        confusion_matrix(TRUTH, PREDICTED[:1], 4)
    with pytest.raises(DataError, match="predicted classes must lie in 0..3"):
        confusion_matrix(TRUTH, PREDICTED + 2, 4)
    with pytest.raises(DataError, match="counts no pixels"):
        pixel_accuracy(torch.zeros(3, 3, dtype=torch.long))
    with pytest.raises(DataError, match="counts no pixels"):
        class_iou(torch.zeros(3, 3, dtype=torch.long))
