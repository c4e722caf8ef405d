"""The one-pass tracking interface: ``init(frame, box)`` once, then ``update(frame) -> box``."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class Tracker(ABC):
    """A single-object tracker.

    Frames are (H, W, 3) uint8 RGB arrays; boxes are ``x, y, w, h`` float arrays in 0-based
    pixel coordinates (the top-left pixel is (0, 0) and a box covers x..x+w). The runner
    converts from and to each sequence's own convention.
    """

    name: str = "tracker"

    @abstractmethod
    def init(self, frame: np.ndarray, box: np.ndarray) -> None:
        """Start tracking the target inside ``box`` of ``frame``."""

    @abstractmethod
    def update(self, frame: np.ndarray) -> np.ndarray:
        """The target's box in the next frame."""
