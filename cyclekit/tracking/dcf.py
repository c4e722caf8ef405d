"""One-pass tracking with CycleTrack's network T: ``init(frame, box)``, ``update(frame)``.

The same :class:`~cyclekit.tracking.correlation_tracker.CorrelationTracker` as in training, run
online the DCFNet way (Wang et al., arXiv:1704.04057): the filter's numerator and
denominator are averaged over time with rate ``model_update``; each frame the scale/aspect
variant with the highest penalised peak is chosen, its soft-argmax position taken, and the size
moved towards it with damping ``scale_damping``, kept within ``size_limits`` times the
initial size and inside the frame.
"""

from __future__ import annotations

import numpy as np
import torch

from cyclekit.tracking.correlation_tracker import (
    CorrelationTracker,
    frames_to_tensor,
    normalise_boxes,
    pixel_boxes,
)
from cyclekit.tracking.tracker import Tracker


class DCFTracker(Tracker):
    def __init__(self, network: CorrelationTracker, *, name: str = "cycletrack",
                 model_update: float = 0.01, scale_damping: float = 0.59,
                 size_limits: tuple[float, float] = (0.2, 5.0)):
        self.network = network.eval()
        self.name = name
        self.model_update = model_update
        self.scale_damping = scale_damping
        self.size_limits = size_limits
        self.device = next(network.parameters()).device

    @torch.no_grad()
    def init(self, frame: np.ndarray, box: np.ndarray) -> None:
        self.height, self.width = frame.shape[:2]
        pixels = torch.tensor(np.asarray(box, np.float64), dtype=torch.float32)
        pixels[2:] = pixels[2:].clamp_min(2.0)
        self.box = normalise_boxes(pixels, self.width, self.height).to(self.device)[None]
        self.initial_size = self.box[0, 2:].clone()
        self.filter = self.network.template(frames_to_tensor(frame, self.device), self.box)

    @torch.no_grad()
    def update(self, frame: np.ndarray) -> np.ndarray:
        image = frames_to_tensor(frame, self.device)
        responses, windows = self.network.search(self.filter, image, self.box)
        candidates, scores = self.network.locate(responses, windows, self.box)
        best = candidates[0, int(scores[0].argmax())]
        size = self.box[0, 2:] + self.scale_damping * (best[2:] - self.box[0, 2:])
        low, high = self.size_limits
        size = torch.minimum(torch.maximum(size, low * self.initial_size),
                             high * self.initial_size).clamp_max(1.0)
        centre = best[:2].clamp(0.0, 1.0)
        self.box = torch.cat([centre - size / 2, size])[None]
        self.filter = self.filter.blend(self.network.template(image, self.box), self.model_update)
        return pixel_boxes(self.box[0], self.width, self.height).double().cpu().numpy()
