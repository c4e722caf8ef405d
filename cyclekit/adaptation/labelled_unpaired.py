"""Unpaired batches of two domains that carry the labels a method may train on.

Unsupervised domain adaptation (Hou et al.) draws source and target images independently, with
the *source* labels only; the target-only upper bound draws the target labels instead. The
draws are those of :class:`~cyclekit.data.unpaired.UnpairedBatcher` over sample indices, so
the batcher is deterministic and resumable in the same way. An optional augmentation warps the
labelled domain's images at every draw, from a generator of its own that the state carries.
"""

from __future__ import annotations

import torch

from cyclekit.data.augment import Augmentation
from cyclekit.data.unpaired import UnpairedBatcher
from cyclekit.errors import DataError


class LabelledUnpairedBatcher:
    """``next() -> {"x", "y"}`` plus ``"x_labels"`` / ``"y_labels"`` for the domains whose
    labels are given (None: that domain's labels never leave this object). ``augmentation``
    warps the images of the domains with labels; every rank warps its own draws."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, *, seed: int,
                 x_labels: torch.Tensor | None = None, y_labels: torch.Tensor | None = None,
                 augmentation: Augmentation | None = None, rank: int = 0, world_size: int = 1):
        self._data = {"x": (x, x_labels), "y": (y, y_labels)}
        self._indices = UnpairedBatcher(torch.arange(len(x)), torch.arange(len(y)), batch_size,
                                        seed=seed, rank=rank, world_size=world_size)
        self.augmentation = augmentation
        # A stream apart from the index draws' (seeded with ``seed``), one per rank.
        self._warp_generator = torch.Generator().manual_seed((seed + 1) * 1_000_003 + rank)

    def next(self) -> dict[str, torch.Tensor]:
        batch = {}
        for key, indices in self._indices.next().items():
            images, labels = self._data[key]
            batch[key] = images[indices]
            if labels is not None:
                batch[f"{key}_labels"] = labels[indices]
                if self.augmentation is not None:
                    batch[key] = self.augmentation(batch[key], self._warp_generator)
        return batch

    def state_dict(self) -> dict:
        state = self._indices.state_dict()
        if self.augmentation is not None:
            state["warp_generator"] = self._warp_generator.get_state()
        return state

    def load_state_dict(self, state: dict) -> None:
        state = dict(state)
        warp = state.pop("warp_generator", None)
        if (warp is None) != (self.augmentation is None):
            raise DataError("the checkpoint's batcher state and this run disagree on "
                             "augmenting the labelled domain; resume with the run's own config")
        self._indices.load_state_dict(state)
        if warp is not None:
            self._warp_generator.set_state(warp)
