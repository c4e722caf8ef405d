"""Box geometry and the box loss L_b of CycleTrack (Zou & Hao, tracking application).

Boxes are ``(..., 4)`` tensors ``x, y, w, h`` (top-left corner and size) in frame-normalised
coordinates: x and w divided by the frame width, y and h by its height. L_b is
``giou_weight * (1 - GIoU) + l1_weight * |a - b|_1`` on those coordinates (GIoU: Rezatofighi
et al., CVPR 2019, Alg. 1), averaged over boxes.
"""

from __future__ import annotations

import torch


def xywh_to_xyxy(boxes: torch.Tensor) -> torch.Tensor:
    x, y, w, h = boxes.unbind(-1)
    return torch.stack([x, y, x + w, y + h], dim=-1)


def xywh_to_cxcywh(boxes: torch.Tensor) -> torch.Tensor:
    x, y, w, h = boxes.unbind(-1)
    return torch.stack([x + w / 2, y + h / 2, w, h], dim=-1)


def cxcywh_to_xywh(boxes: torch.Tensor) -> torch.Tensor:
    cx, cy, w, h = boxes.unbind(-1)
    return torch.stack([cx - w / 2, cy - h / 2, w, h], dim=-1)


def box_iou_and_giou(a: torch.Tensor, b: torch.Tensor, eps: float = 1e-9,
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """IoU and generalised IoU of ``a`` and ``b`` (broadcast, ``x, y, w, h``)."""
    ax0, ay0, ax1, ay1 = xywh_to_xyxy(a).unbind(-1)
    bx0, by0, bx1, by1 = xywh_to_xyxy(b).unbind(-1)
    inter = ((torch.minimum(ax1, bx1) - torch.maximum(ax0, bx0)).clamp_min(0)
             * (torch.minimum(ay1, by1) - torch.maximum(ay0, by0)).clamp_min(0))
    area_a = (ax1 - ax0).clamp_min(0) * (ay1 - ay0).clamp_min(0)
    area_b = (bx1 - bx0).clamp_min(0) * (by1 - by0).clamp_min(0)
    union = area_a + area_b - inter
    iou = inter / (union + eps)
    hull = ((torch.maximum(ax1, bx1) - torch.minimum(ax0, bx0))
            * (torch.maximum(ay1, by1) - torch.minimum(ay0, by0)))
    return iou, iou - (hull - union) / (hull + eps)


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return box_iou_and_giou(a, b)[0]


class BoxLoss:
    """L_b(target, prediction) = giou_weight (1 - GIoU) + l1_weight L1, mean over boxes.

    ``weights`` (optional, shape ``(...)``) weight the boxes; the mean is over their sum.
    """

    def __init__(self, giou_weight: float = 2.0, l1_weight: float = 5.0):
        self.giou_weight = giou_weight
        self.l1_weight = l1_weight

    def per_box(self, target: torch.Tensor, prediction: torch.Tensor) -> torch.Tensor:
        _, giou = box_iou_and_giou(prediction, target)
        l1 = (prediction - target).abs().sum(-1)
        return self.giou_weight * (1 - giou) + self.l1_weight * l1

    def __call__(self, target: torch.Tensor, prediction: torch.Tensor,
                 weights: torch.Tensor | None = None) -> torch.Tensor:
        losses = self.per_box(target, prediction)
        if weights is None:
            return losses.mean()
        return (losses * weights).sum() / weights.sum().clamp_min(1.0)


def motion_weights(start: torch.Tensor, moved: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """UDT's motion weights (the motion term of the cost-sensitive loss of Wang et al.,
    CVPR 2019): per sample the squared centre displacement from ``start`` to ``moved`` in
    units of the start box's size, normalised to mean 1 over the batch (uniform when nothing
    moved). No gradient."""
    a, b = xywh_to_cxcywh(start.detach()), xywh_to_cxcywh(moved.detach())
    motion = (((b[:, :2] - a[:, :2]) / a[:, 2:].clamp_min(eps)) ** 2).sum(-1)
    total = motion.sum()
    if total <= eps:
        return torch.ones_like(motion)
    return motion * len(motion) / total

