"""Unpaired batches of two domains that carry the labels a method may train on.

Unsupervised domain adaptation (seed 004) draws source and target images independently, with
the *source* labels only; the target-only upper bound draws the target labels instead. The
draws are those of :class:`~cyclekit.data.unpaired.UnpairedBatcher` over sample indices, so
the batcher is deterministic and resumable in the same way.
"""

from __future__ import annotations

import torch

from cyclekit.data.unpaired import UnpairedBatcher


class LabelledUnpairedBatcher:
    """``next() -> {"x", "y"}`` plus ``"x_labels"`` / ``"y_labels"`` for the domains whose
    labels are given (None: that domain's labels never leave this object)."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, *, seed: int,
                 x_labels: torch.Tensor | None = None, y_labels: torch.Tensor | None = None,
                 rank: int = 0, world_size: int = 1):
        self._data = {"x": (x, x_labels), "y": (y, y_labels)}
        self._indices = UnpairedBatcher(torch.arange(len(x)), torch.arange(len(y)), batch_size,
                                        seed=seed, rank=rank, world_size=world_size)

    def next(self) -> dict[str, torch.Tensor]:
        batch = {}
        for key, indices in self._indices.next().items():
            images, labels = self._data[key]
            batch[key] = images[indices]
            if labels is not None:
                batch[f"{key}_labels"] = labels[indices]
        return batch

    def state_dict(self) -> dict:
        return self._indices.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self._indices.load_state_dict(state)
