"""FCN scores of a segmentation against ground truth, from one confusion matrix.

The protocol of pix2pix and CycleGAN (Isola et al. 2017; Zhu et al. 2017, and the
tables of Zou & Hao): pixels of the whole test set are counted in one confusion matrix
``C[true, predicted]``, then

* per-pixel accuracy  = sum_k C[k, k] / sum C,
* per-class accuracy  = mean_k C[k, k] / sum_j C[k, j]                      (recall of k),
* class IoU           = mean_k C[k, k] / (sum_j C[k, j] + sum_j C[j, k] - C[k, k]),

with the means over the classes present in the ground truth (``sum_j C[k, j] > 0``). The
reference code adds 1e-12 to the denominators, which scores an absent class 0 instead of
leaving it out; the two agree whenever every class occurs in the test set.
"""

from __future__ import annotations

import torch

from cyclekit.errors import DataError


def confusion_matrix(truth: torch.Tensor, predicted: torch.Tensor, num_classes: int) -> torch.Tensor:
    """``(num_classes, num_classes)`` int64 counts, rows = true class, columns = predicted.

    Pixels whose true class lies outside ``0 .. num_classes - 1`` (e.g. an ignore label
    255) are not counted; predicted classes must lie in that range.
    """
    if truth.shape != predicted.shape:
        raise DataError(f"ground truth {tuple(truth.shape)} and prediction "
                        f"{tuple(predicted.shape)} differ in shape")
    truth, predicted = truth.reshape(-1).long().cpu(), predicted.reshape(-1).long().cpu()
    counted = (truth >= 0) & (truth < num_classes)
    truth, predicted = truth[counted], predicted[counted]
    if len(predicted) and (predicted.min() < 0 or predicted.max() >= num_classes):
        raise DataError(f"predicted classes must lie in 0..{num_classes - 1}, got "
                        f"{int(predicted.min())}..{int(predicted.max())}")
    counts = torch.bincount(truth * num_classes + predicted, minlength=num_classes ** 2)
    return counts.reshape(num_classes, num_classes)


def pixel_accuracy(confusion: torch.Tensor) -> float:
    """Fraction of counted pixels whose predicted class is the true one."""
    total = confusion.sum()
    if total == 0:
        raise DataError("the confusion matrix counts no pixels")
    return float(confusion.diag().sum() / total)


def per_class_accuracy(confusion: torch.Tensor) -> float:
    """Mean over the classes present in the ground truth of the fraction of their pixels found."""
    present = _present(confusion)
    truth_counts = confusion.sum(1)[present].double()
    return float((confusion.diag()[present] / truth_counts).mean())


def class_iou(confusion: torch.Tensor) -> float:
    """Mean over the classes present in the ground truth of intersection over union."""
    present = _present(confusion)
    union = (confusion.sum(1) + confusion.sum(0) - confusion.diag())[present].double()
    return float((confusion.diag()[present] / union).mean())


def fcn_scores(confusion: torch.Tensor) -> dict[str, float]:
    """The three FCN scores: ``pixel_acc``, ``class_acc`` and ``class_iou``."""
    return {"pixel_acc": pixel_accuracy(confusion), "class_acc": per_class_accuracy(confusion),
            "class_iou": class_iou(confusion)}


def _present(confusion: torch.Tensor) -> torch.Tensor:
    if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1]:
        raise DataError(f"expected a square confusion matrix, got shape {tuple(confusion.shape)}")
    present = confusion.sum(1) > 0
    if not present.any():
        raise DataError("the confusion matrix counts no pixels")
    return present
