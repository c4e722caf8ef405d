"""Unpaired mini-batches from two domains, deterministic and resumable."""

import torch

from cyclekit.errors import DataError


class _Shuffled:
    """One domain's epoch order (this rank's share of a permutation) and position in it."""

    def __init__(self, data: torch.Tensor, rank: int, world_size: int):
        self.data = data
        self.rank = rank
        self.world_size = world_size
        self.order = torch.empty(0, dtype=torch.long)
        self.position = 0

    def reshuffle(self, generator: torch.Generator) -> None:
        """Draw a new permutation; keep this rank's equal-length share of it."""
        usable = len(self.data) - len(self.data) % self.world_size
        permutation = torch.randperm(len(self.data), generator=generator)[:usable]
        self.order = permutation[self.rank :: self.world_size]
        self.position = 0

    def take(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        """The next batch, reshuffling first when the epoch has too few samples left."""
        if self.position + batch_size > len(self.order):
            self.reshuffle(generator)
        indices = self.order[self.position : self.position + batch_size]
        self.position += batch_size
        return self.data[indices]


class UnpairedBatcher:
    """Draws unpaired mini-batches from two domains, each shuffled independently.

    Deterministic and resumable: all randomness comes from its own torch.Generator,
    whose state (plus current permutations and positions) is in state_dict().
    With ``world_size`` > 1 every rank draws the same permutations and keeps a
    disjoint share ``perm[rank::world_size]``.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, *, seed: int,
                 rank: int = 0, world_size: int = 1):
        if batch_size < 1 or world_size < 1 or not 0 <= rank < world_size:
            raise DataError(
                f"need batch_size >= 1 and 0 <= rank < world_size, got {batch_size}, {rank}, {world_size}"
            )
        for label, data in (("x", x), ("y", y)):
            if len(data) < batch_size * world_size:
                raise DataError(f"domain {label} has {len(data)} samples, fewer than "
                                f"batch_size * world_size = {batch_size * world_size}")
        self.batch_size = batch_size
        self._generator = torch.Generator().manual_seed(seed)
        self._domains = {"x": _Shuffled(x, rank, world_size), "y": _Shuffled(y, rank, world_size)}
        for domain in self._domains.values():
            domain.reshuffle(self._generator)

    def next(self) -> dict[str, torch.Tensor]:
        """The next batch ``{"x": ..., "y": ...}``; each domain drops its last incomplete batch."""
        return {label: domain.take(self.batch_size, self._generator)
                for label, domain in self._domains.items()}

    def state_dict(self) -> dict:
        """Generator state, orders and positions: tensors and ints only."""
        state = {"generator": self._generator.get_state()}
        for label, domain in self._domains.items():
            state[f"{label}_order"] = domain.order.clone()
            state[f"{label}_position"] = domain.position
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore a state from :meth:`state_dict` of a batcher over the same data."""
        for label, domain in self._domains.items():
            order = state[f"{label}_order"]
            if len(order) != len(domain.order):
                raise DataError(f"batcher state for domain {label} has {len(order)} samples "
                                f"per epoch, this batcher {len(domain.order)}")
        self._generator.set_state(state["generator"])
        for label, domain in self._domains.items():
            domain.order = state[f"{label}_order"].clone()
            domain.position = int(state[f"{label}_position"])
