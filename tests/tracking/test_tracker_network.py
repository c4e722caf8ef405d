"""The tracker T(box, frame_src, frame_dst): differentiable w.r.t. the box and the weights,
and it follows a textured target that moves and grows (an oracle check: no training)."""

import torch
import torch.nn.functional as F

from cyclekit.tracking.box_crop import crop_windows
from cyclekit.tracking.correlation_tracker import CorrelationTracker
from cyclekit.tracking.tracker_backbone import TrackerBackbone

H, W = 96, 128


def _scene(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    background = F.avg_pool2d(torch.rand(1, 3, H, W, generator=g) * 0.6 - 0.3, 3, 1, 1)
    texture = torch.rand(1, 3, 20, 24, generator=g) * 2 - 1
    return background, texture


def _frame(background, texture, x, y, w, h):
    frame = background.clone()
    frame[..., y:y + h, x:x + w] = F.interpolate(texture, size=(h, w), mode="bilinear")
    return frame


def _tracker():
    torch.manual_seed(0)
    return CorrelationTracker(TrackerBackbone([8, 8]), crop_size=32)


def _pixels(box):
    return box[0] * torch.tensor([W, H, W, H])


def test_crop_of_the_whole_frame_is_the_frame():
    frame = torch.rand(1, 3, 16, 16)
    crop = crop_windows(frame, torch.tensor([[[0.5, 0.5, 1.0, 1.0]]]), 16)
    assert torch.allclose(crop[0, 0], frame[0], atol=1e-6)


def test_follows_a_translated_target():
    background, texture = _scene()
    src = _frame(background, texture, 40, 30, 24, 20)
    dst = _frame(background, texture, 46, 26, 24, 20)
    box = torch.tensor([[40 / W, 30 / H, 24 / W, 20 / H]])
    out = _pixels(_tracker()(box, src, dst))
    assert abs(out[0] - 46) < 1.5 and abs(out[1] - 26) < 1.5, out
    assert abs(out[2] - 24) < 2 and abs(out[3] - 20) < 2, out


def test_size_follows_a_growing_and_a_shrinking_target():
    background, texture = _scene(1)
    src = _frame(background, texture, 40, 30, 24, 20)
    box = torch.tensor([[40 / W, 30 / H, 24 / W, 20 / H]])
    tracker = _tracker()
    grown = _pixels(tracker(box, src, _frame(background, texture, 39, 29, 26, 22)))
    shrunk = _pixels(tracker(box, src, _frame(background, texture, 41, 31, 22, 18)))
    assert grown[2] * grown[3] > 1.02 * 24 * 20, grown  # one step: at most 1.0275^2
    assert shrunk[2] * shrunk[3] < 0.98 * 24 * 20, shrunk


def test_output_box_is_differentiable_in_the_box_and_the_weights():
    background, texture = _scene(2)
    src = _frame(background, texture, 40, 30, 24, 20)
    dst = _frame(background, texture, 44, 32, 24, 20)
    tracker = _tracker()
    box = torch.tensor([[40 / W, 30 / H, 24 / W, 20 / H]], requires_grad=True)
    tracker(box, src, dst).sum().backward()
    assert torch.isfinite(box.grad).all() and box.grad.abs().sum() > 0
    grads = [p.grad for p in tracker.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0


def test_batched_equals_one_by_one():
    background, texture = _scene(3)
    frames_a = torch.cat([_frame(background, texture, 40, 30, 24, 20),
                          _frame(background, texture, 20, 40, 24, 20)])
    frames_b = torch.cat([_frame(background, texture, 43, 31, 24, 20),
                          _frame(background, texture, 22, 37, 24, 20)])
    boxes = torch.tensor([[40 / W, 30 / H, 24 / W, 20 / H], [20 / W, 40 / H, 24 / W, 20 / H]])
    tracker = _tracker()
    together = tracker(boxes, frames_a, frames_b)
    for i in range(2):
        alone = tracker(boxes[i:i + 1], frames_a[i:i + 1], frames_b[i:i + 1])
        assert torch.allclose(together[i], alone[0], atol=1e-5)
