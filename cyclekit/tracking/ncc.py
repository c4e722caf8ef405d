"""Fixed-template normalised cross-correlation (NCC) tracker: the simplest one-pass baseline.

The template is the first frame's target (grey levels), never updated. Each frame is searched
in a window around the previous box for the position maximising the zero-mean NCC
(Lewis, "Fast normalized cross-correlation", 1995):
    NCC(u) = sum_p T'(p) I(u + p) / (||T'|| * sqrt(sum_p I(u + p)^2 - (sum_p I(u + p))^2 / n)),
with T' = T - mean(T), n the template's pixel count. Optionally the template is also matched
at a few scales and the box takes the best one, with SiamFC's scale constants (Bertinetto
et al., ECCV-W 2016): scale step 1.0375, responses at other scales multiplied by 0.9745, the
size update damped by 0.59 and kept within 0.2-5 times the initial size.
Work is done on images shrunk so the template's longer side is at most ``template_side`` px.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from cyclekit.tracking.tracker import Tracker


def _grey(frame: np.ndarray) -> np.ndarray:
    return (frame[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32))


def _resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    return np.asarray(Image.fromarray(image).resize((max(width, 1), max(height, 1)),
                                                    Image.BILINEAR))


def ncc_map(search: np.ndarray, template: np.ndarray) -> np.ndarray:
    """Zero-mean NCC of ``template`` at every valid position of ``search`` (both 2-D float32)."""
    t = torch.from_numpy(template - template.mean())[None, None]
    s = torch.from_numpy(search)[None, None]
    n = template.size
    numerator = F.conv2d(s, t)[0, 0]
    ones = torch.ones_like(t)
    window_sum = F.conv2d(s, ones)[0, 0]
    window_sq = F.conv2d(s * s, ones)[0, 0]
    variance = (window_sq - window_sum * window_sum / n).clamp_min(1e-6)
    return (numerator / (variance.sqrt() * t.norm().clamp_min(1e-6))).numpy()


class NCCTracker(Tracker):
    """Fixed-template NCC with a local search window and optional multi-scale matching."""

    name = "ncc"

    def __init__(self, search_factor: float = 2.0, template_side: int = 32,
                 scale_step: float = 1.0375, scale_penalty: float = 0.9745,
                 scale_damping: float = 0.59, size_limits: tuple[float, float] = (0.2, 5.0)):
        self.search_factor = search_factor
        self.template_side = template_side
        self.scales = (1 / scale_step, 1.0, scale_step) if scale_step != 1 else (1.0,)
        self.scale_penalty = scale_penalty
        self.scale_damping = scale_damping
        self.size_limits = size_limits

    def init(self, frame: np.ndarray, box: np.ndarray) -> None:
        x, y, w, h = (float(v) for v in box)
        self.box = np.array([x, y, max(w, 1.0), max(h, 1.0)])
        self.initial_size = self.box[2:].copy()
        self.shrink = min(1.0, self.template_side / max(self.box[2:]))
        grey = _grey(frame)
        x0, y0 = round(x), round(y)
        crop = grey[max(y0, 0):max(y0, 0) + round(float(self.box[3])),
                    max(x0, 0):max(x0, 0) + round(float(self.box[2]))]
        self.template = crop.astype(np.float32)

    def _template_at(self, scale: float) -> np.ndarray:
        side = self.shrink * scale
        height, width = self.template.shape
        return _resize(self.template, round(width * side), round(height * side)).astype(np.float32)

    def update(self, frame: np.ndarray) -> np.ndarray:
        grey = _grey(frame)
        height, width = grey.shape
        cx, cy = self.box[0] + self.box[2] / 2, self.box[1] + self.box[3] / 2
        half_w = self.box[2] * self.search_factor / 2 + 2
        half_h = self.box[3] * self.search_factor / 2 + 2
        left, top = int(max(cx - half_w, 0)), int(max(cy - half_h, 0))
        right, bottom = int(min(cx + half_w, width)), int(min(cy + half_h, height))
        region = grey[top:bottom, left:right]
        if min(region.shape) < 2:  # the box has left the image: keep it
            return self.box.copy()
        shrunk = _resize(region, round(region.shape[1] * self.shrink),
                         round(region.shape[0] * self.shrink)).astype(np.float32)
        best = None
        for scale in self.scales:
            template = self._template_at(scale * self.box[2] / self.template.shape[1])
            if template.shape[0] > shrunk.shape[0] or template.shape[1] > shrunk.shape[1]:
                continue
            response = ncc_map(shrunk, template)
            row, col = np.unravel_index(int(np.argmax(response)), response.shape)
            score = float(response[row, col]) * (1.0 if scale == 1 else self.scale_penalty)
            if best is None or score > best[0]:
                best = (score, scale, row, col, template.shape)
        if best is None:  # the template is larger than what is left of the image
            return self.box.copy()
        _, scale, row, col, (t_h, t_w) = best
        scale = 1 + self.scale_damping * (scale - 1)
        low, high = self.size_limits
        w, h = np.clip(self.box[2:] * scale, low * self.initial_size, high * self.initial_size)
        centre_x = left + (col + t_w / 2) / self.shrink
        centre_y = top + (row + t_h / 2) / self.shrink
        self.box = np.array([centre_x - w / 2, centre_y - h / 2, w, h])
        return self.box.copy()
