"""Candidate boxes BOX_Y for CycleTrack's prior-matching term (Zou & Hao): computed on the CPU
from the frames alone, never from ground truth. Sources are pluggable by name
(:data:`PROPOSAL_SOURCES`); :func:`build_proposals` combines several.

- ``frame_difference``: the frame minus a reference frame, after compensating the global
  (camera) translation: the phase-correlation peak (Kuglin & Hines 1975), or none, whichever
  leaves the smaller median difference. With two references
  (the previous and the next frame) only pixels that differ from both count: the three-frame
  difference, which keeps the object where it is in this frame, not where it was. The mask is
  dilated and each connected component's bounding box is a candidate, scored by its summed
  difference.
- ``edge_density``: windows of several sizes and aspects on a grid, scored by the mean
  gradient magnitude inside minus that of a surrounding ring (the idea of EdgeBoxes, Zitnick
  & Dollar, ECCV 2014: objects are closed by edges, their surroundings less so), then greedy
  non-maximum suppression.

Every source maps ``(frame, reference) -> (boxes (K, 4) x, y, w, h in pixels, scores (K,))``
with frames (H, W, 3) uint8; ``reference`` (a frame or a list of frames) may be None for
sources that do not use it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage

from cyclekit.errors import ConfigError

ProposalSource = Callable[[np.ndarray, np.ndarray | list[np.ndarray] | None],
                          tuple[np.ndarray, np.ndarray]]


def grey(frame: np.ndarray) -> np.ndarray:
    return frame[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def phase_correlation_shifts(image: np.ndarray, reference: np.ndarray, count: int = 3,
                             ) -> list[tuple[int, int]]:
    """The ``count`` highest peaks (dy, dx) of the phase correlation of two grey images: the
    integer shifts that best map ``reference`` onto ``image``, best first."""
    window = np.outer(np.hanning(image.shape[0]), np.hanning(image.shape[1]))
    a = np.fft.fft2((image - image.mean()) * window)
    b = np.fft.fft2((reference - reference.mean()) * window)
    cross = a * np.conj(b)
    surface = np.fft.ifft2(cross / (np.abs(cross) + 1e-9)).real
    height, width = surface.shape
    shifts = []
    for flat in np.argsort(-surface, axis=None)[:count]:
        dy, dx = np.unravel_index(int(flat), surface.shape)
        shifts.append((int(dy - height if dy > height // 2 else dy),
                       int(dx - width if dx > width // 2 else dx)))
    return shifts


def camera_shift(image: np.ndarray, reference: np.ndarray) -> tuple[int, int]:
    """The global translation of the scene: among no shift and the phase-correlation peaks,
    the one with the smallest median absolute difference (a moving object, however textured,
    covers less than half of the frame, so the median follows the background)."""
    best, best_residual = (0, 0), np.inf
    for shift in [(0, 0), *phase_correlation_shifts(image, reference)]:
        shifted, valid = _shifted(reference, *shift)
        if valid.mean() < 0.5:
            continue
        residual = float(np.median(np.abs(image - shifted)[valid]))
        if residual < best_residual - 1e-6:
            best, best_residual = shift, residual
    return best


def _shifted(image: np.ndarray, dy: int, dx: int) -> tuple[np.ndarray, np.ndarray]:
    """``image`` shifted by (dy, dx) and the mask of pixels that came from inside it."""
    out = np.zeros_like(image)
    valid = np.zeros(image.shape, bool)
    h, w = image.shape
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[yd, xd] = image[ys, xs]
    valid[yd, xd] = True
    return out, valid


class FrameDifferenceProposals:
    """Moving regions: |frame - shifted reference| > ``threshold`` (times its 99th percentile)."""

    def __init__(self, threshold: float = 0.5, min_side: int = 4, dilation: int = 2,
                 max_count: int = 8):
        self.threshold = threshold
        self.min_side = min_side
        self.dilation = dilation
        self.max_count = max_count

    def __call__(self, frame: np.ndarray, reference: np.ndarray | list[np.ndarray] | None,
                 ) -> tuple[np.ndarray, np.ndarray]:
        if reference is None or (isinstance(reference, list) and not reference):
            raise ConfigError("frame_difference proposals need a reference frame")
        image = grey(frame)
        moving, difference = None, np.zeros_like(image)
        for ref in reference if isinstance(reference, list) else [reference]:
            ref = grey(ref)
            ref, valid = _shifted(ref, *camera_shift(image, ref))
            change = np.abs(image - ref) * valid
            level = np.percentile(change, 99)
            if level <= 1.0:  # no motion beyond noise
                return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
            above = change > self.threshold * level
            moving = above if moving is None else moving & above
            difference = np.maximum(difference, change)
        if self.dilation:
            moving = ndimage.binary_dilation(moving, iterations=self.dilation)
        labels, count = ndimage.label(moving)
        if count == 0:
            return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
        slices = ndimage.find_objects(labels)
        mass = ndimage.sum(difference, labels, index=np.arange(1, count + 1))
        boxes, scores = [], []
        grow = self.dilation
        for index, (rows, cols) in enumerate(slices):
            h, w = rows.stop - rows.start - 2 * grow, cols.stop - cols.start - 2 * grow
            if min(h, w) >= self.min_side:  # the component's box, undoing the dilation
                boxes.append([cols.start + grow, rows.start + grow, w, h])
                scores.append(mass[index])
        return _top(np.asarray(boxes, np.float32).reshape(-1, 4),
                    np.asarray(scores, np.float32), self.max_count)


class EdgeDensityProposals:
    """Windows whose inside has more gradient energy than the ring around them."""

    def __init__(self, sides: tuple[float, ...] = (0.12, 0.2, 0.3),
                 aspects: tuple[float, ...] = (0.5, 1.0, 2.0), stride: float = 0.25,
                 ring: float = 0.25, nms_iou: float = 0.5, max_count: int = 8):
        self.sides = sides
        self.aspects = aspects
        self.stride = stride
        self.ring = ring
        self.nms_iou = nms_iou
        self.max_count = max_count

    def __call__(self, frame: np.ndarray, reference: np.ndarray | None = None,
                 ) -> tuple[np.ndarray, np.ndarray]:
        image = grey(frame)
        magnitude = np.hypot(ndimage.sobel(image, 0), ndimage.sobel(image, 1))
        integral = np.pad(magnitude, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
        height, width = image.shape
        boxes, scores = [], []
        for side in self.sides:
            for aspect in self.aspects:
                w = max(4, round(side * min(height, width) * np.sqrt(aspect)))
                h = max(4, round(side * min(height, width) / np.sqrt(aspect)))
                if w >= width or h >= height:
                    continue
                step = max(1, round(self.stride * min(w, h)))
                xs, ys = np.meshgrid(np.arange(0, width - w + 1, step),
                                     np.arange(0, height - h + 1, step))
                xs, ys = xs.ravel(), ys.ravel()
                mw, mh = round(self.ring * w), round(self.ring * h)
                inside = _window_sum(integral, xs, ys, w, h) / (w * h)
                ox, oy = np.clip(xs - mw, 0, width), np.clip(ys - mh, 0, height)
                ox1, oy1 = np.clip(xs + w + mw, 0, width), np.clip(ys + h + mh, 0, height)
                outer = _window_sum(integral, ox, oy, ox1 - ox, oy1 - oy)
                ring_area = np.maximum((ox1 - ox) * (oy1 - oy) - w * h, 1)
                ring_mean = (outer - inside * w * h) / ring_area
                boxes.append(np.stack([xs, ys, np.full_like(xs, w), np.full_like(xs, h)], 1))
                scores.append(inside - ring_mean)
        if not boxes:
            return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
        boxes_all = np.concatenate(boxes).astype(np.float32)
        scores_all = np.concatenate(scores).astype(np.float32)
        keep = non_maximum_suppression(boxes_all, scores_all, self.nms_iou, self.max_count)
        return boxes_all[keep], scores_all[keep]


def _window_sum(integral: np.ndarray, xs, ys, w, h) -> np.ndarray:
    return (integral[ys + h, xs + w] - integral[ys, xs + w] - integral[ys + h, xs]
            + integral[ys, xs])


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box of ``a`` (N, 4) with every box of ``b`` (M, 4), ``x, y, w, h``."""
    ax1, ay1 = a[:, 0] + a[:, 2], a[:, 1] + a[:, 3]
    bx1, by1 = b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    iw = np.clip(np.minimum(ax1[:, None], bx1) - np.maximum(a[:, None, 0], b[:, 0]), 0, None)
    ih = np.clip(np.minimum(ay1[:, None], by1) - np.maximum(a[:, None, 1], b[:, 1]), 0, None)
    inter = iw * ih
    union = (a[:, 2] * a[:, 3])[:, None] + b[:, 2] * b[:, 3] - inter
    return inter / np.maximum(union, 1e-9)


def non_maximum_suppression(boxes: np.ndarray, scores: np.ndarray, iou: float,
                            max_count: int) -> np.ndarray:
    """Indices of at most ``max_count`` boxes, best first, none overlapping a kept one > iou."""
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    overlaps = iou_matrix(boxes[order[: 50 * max_count]], boxes[order[: 50 * max_count]])
    suppressed = np.zeros(len(overlaps), bool)
    for rank in range(len(overlaps)):
        if suppressed[rank]:
            continue
        keep.append(int(order[rank]))
        if len(keep) == max_count:
            break
        suppressed |= overlaps[rank] > iou
    return np.asarray(keep, dtype=np.int64)


def _top(boxes: np.ndarray, scores: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-scores, kind="stable")[:count]
    return boxes[order], scores[order]


PROPOSAL_SOURCES: dict[str, Callable[[], ProposalSource]] = {
    "frame_difference": FrameDifferenceProposals,
    "edge_density": EdgeDensityProposals,
}


def build_proposals(names: list[str] | tuple[str, ...]) -> ProposalSource:
    """One source that concatenates the named sources' boxes (each keeps its own scores)."""
    unknown = [name for name in names if name not in PROPOSAL_SOURCES]
    if unknown or not names:
        raise ConfigError(f"unknown proposal source(s) {unknown or names}; choose from "
                          f"{sorted(PROPOSAL_SOURCES)}")
    sources = [PROPOSAL_SOURCES[name]() for name in names]

    def propose(frame: np.ndarray, reference: np.ndarray | list[np.ndarray] | None,
                ) -> tuple[np.ndarray, np.ndarray]:
        found = [source(frame, reference) for source in sources]
        return np.concatenate([b for b, _ in found]), np.concatenate([s for _, s in found])

    return propose
