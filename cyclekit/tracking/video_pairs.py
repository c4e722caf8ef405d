"""Training batches of frame pairs from unlabeled video for CycleTrack (Zou & Hao).

Each sample: a video, a frame X and a frame Y up to ``max_gap`` frames away (before or after),
a pseudo-target box x in X, and candidate boxes BOX_Y in Y. Nothing here reads a ground-truth
box: x comes from the data alone, either the first proposal of acceptable size found in X
against its two neighbouring frames (the three-frame difference comes first in the default
sources: a moving region where it is in X) or, failing that or with ``pseudo_target:
centre``, a centred box as UDT uses (Wang et al., CVPR 2019); BOX_Y are proposals
in Y (:mod:`cyclekit.tracking.proposals`).

Batch (boxes ``x, y, w, h`` frame-normalised): ``x`` (B, 4), ``frames_x`` / ``frames_y``
(B, 3, H, W) in [-1, 1], ``candidates_y`` (B, K, 4) and ``candidates_mask`` (B, K) (padding
rows are False). Deterministic and resumable: all draws come from one torch.Generator.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from cyclekit.errors import ConfigError, DataError
from cyclekit.tracking.proposals import ProposalSource

PSEUDO_TARGETS = ("proposal", "centre")


class VideoPairBatcher:
    def __init__(self, videos: Sequence, batch_size: int, *, proposals: ProposalSource,
                 max_gap: int = 5, max_candidates: int = 16, pseudo_target: str = "proposal",
                 centre_fraction: float = 0.25, min_side: float = 0.05, max_side: float = 0.6,
                 seed: int, rank: int = 0, world_size: int = 1):
        if pseudo_target not in PSEUDO_TARGETS:
            raise ConfigError(f"unknown pseudo_target {pseudo_target!r}; choose one of "
                              f"{list(PSEUDO_TARGETS)}")
        if not len(videos):
            raise DataError("no training videos")
        if batch_size < 1 or max_gap < 1 or not 0 <= rank < world_size:
            raise DataError(f"need batch_size >= 1, max_gap >= 1 and 0 <= rank < world_size, "
                            f"got {batch_size}, {max_gap}, {rank}, {world_size}")
        self.videos, self.batch_size = videos, batch_size
        self.proposals, self.max_gap, self.max_candidates = proposals, max_gap, max_candidates
        self.pseudo_target, self.centre_fraction = pseudo_target, centre_fraction
        self.min_side, self.max_side = min_side, max_side
        self._generator = torch.Generator().manual_seed(seed * 1009 + rank)

    def _draw(self, high: int) -> int:
        return int(torch.randint(high, (1,), generator=self._generator))

    def sample(self) -> dict[str, np.ndarray]:
        """One training pair (numpy), from the next draws of the generator."""
        video = self.videos[self._draw(len(self.videos))]
        gap = 1 + self._draw(min(self.max_gap, len(video) - 1))
        first = self._draw(len(video) - gap)
        t_x, t_y = (first, first + gap) if self._draw(2) == 0 else (first + gap, first)
        frame_x, frame_y = video.frame(t_x), video.frame(t_y)
        height, width = frame_x.shape[:2]
        scale = np.array([width, height, width, height], np.float32)
        neighbours = [video.frame(t) for t in (t_x - 1, t_x + 1) if 0 <= t < len(video)]
        box = self._pseudo_target(frame_x, neighbours) / scale
        candidates = np.zeros((self.max_candidates, 4), np.float32)
        mask = np.zeros(self.max_candidates, bool)
        found = self.proposals(frame_y, frame_x)[0][: self.max_candidates]
        candidates[: len(found)], mask[: len(found)] = found / scale, True
        return {"x": box, "frame_x": frame_x, "frame_y": frame_y, "candidates_y": candidates,
                "candidates_mask": mask}

    def _pseudo_target(self, frame: np.ndarray, neighbours: list[np.ndarray]) -> np.ndarray:
        height, width = frame.shape[:2]
        if self.pseudo_target == "proposal":
            boxes, _ = self.proposals(frame, neighbours)
            side = np.minimum(boxes[:, 2] / width, boxes[:, 3] / height)
            longest = np.maximum(boxes[:, 2] / width, boxes[:, 3] / height)
            good = np.flatnonzero((side >= self.min_side) & (longest <= self.max_side))
            if len(good):
                return boxes[good[0]].astype(np.float32)
        w, h = self.centre_fraction * width, self.centre_fraction * height
        return np.array([(width - w) / 2, (height - h) / 2, w, h], np.float32)

    def next(self) -> dict[str, torch.Tensor]:
        samples = [self.sample() for _ in range(self.batch_size)]

        def frames(key):
            stacked = torch.from_numpy(np.stack([s[key] for s in samples]))
            return stacked.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)

        return {"x": torch.from_numpy(np.stack([s["x"] for s in samples])),
                "frames_x": frames("frame_x"), "frames_y": frames("frame_y"),
                "candidates_y": torch.from_numpy(np.stack([s["candidates_y"] for s in samples])),
                "candidates_mask": torch.from_numpy(np.stack([s["candidates_mask"]
                                                              for s in samples]))}

    def state_dict(self) -> dict:
        return {"generator": self._generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self._generator.set_state(state["generator"])


class ConcatVideos:
    """Several collections of videos (a synthetic family, frame folders) indexed as one."""

    def __init__(self, *parts: Sequence):
        self.parts = [part for part in parts if len(part)]

    def __len__(self) -> int:
        return sum(len(part) for part in self.parts)

    def __getitem__(self, index: int):
        for part in self.parts:
            if index < len(part):
                return part[index]
            index -= len(part)
        raise IndexError(index)
