"""Set-supervised mini-batches (ACC paper, Sec. 3 "Mini-batch construction using set-membership").

Every batch is two sets A and B of ``set_size`` images. Within a set the *inactive* factors
are held at one value drawn at random for that set (by drawing one image of the dataset and
keeping its values, i.e. in proportion to how often each value occurs), the *active*
factors vary freely: the set is drawn without replacement from all images that share those
values. With ``unconstrained_second`` set B is drawn from the whole dataset (the paper's
partial supervision). No inactive factor = no set supervision.

With an augmentation, ``x`` / ``y`` are one random view of each set and ``x_view2`` /
``y_view2`` another view of the same images (double augmentation).
"""

from __future__ import annotations

import torch

from cyclekit.affinity.factors import FactorDataset
from cyclekit.data.augment import Augmentation
from cyclekit.errors import DataError


class SetBatcher:
    """Deterministic and resumable: all randomness comes from one ``torch.Generator`` seeded
    with ``seed``, which is the whole state. With ``world_size`` > 1 every rank draws the same
    ``world_size`` pairs of sets per step and keeps pair number ``rank``."""

    def __init__(self, data: FactorDataset, set_size: int, *, inactive: tuple[str, ...] = (),
                 unconstrained_second: bool = False, augmentation: Augmentation | None = None,
                 seed: int = 0, rank: int = 0, world_size: int = 1):
        if set_size < 2 or world_size < 1 or not 0 <= rank < world_size:
            raise DataError(f"need set_size >= 2 and 0 <= rank < world_size, got {set_size}, "
                            f"{rank}, {world_size}")
        self.data = data
        self.set_size = set_size
        self.inactive = tuple(data.factor_index(name) for name in inactive)
        self.unconstrained_second = unconstrained_second
        self.augmentation = augmentation
        self.rank, self.world_size = rank, world_size
        self._generator = torch.Generator().manual_seed(seed)
        self._group_of, self._members, self._starts, self._sizes = self._groups()
        if int(self._sizes.min()) < set_size:
            raise DataError(f"some value of the inactive factors {list(inactive)} has only "
                            f"{int(self._sizes.min())} images, fewer than set_size={set_size}; "
                            f"make fewer factors inactive or the sets smaller")

    def _groups(self):
        """Group id of every image (images sharing all inactive values), members by group."""
        if self.inactive:
            _, group_of = torch.unique(self.data.factors[:, list(self.inactive)], dim=0,
                                       return_inverse=True)
        else:
            group_of = torch.zeros(len(self.data), dtype=torch.long)
        members = torch.argsort(group_of, stable=True)
        sizes = torch.bincount(group_of)
        starts = torch.cumsum(sizes, 0) - sizes
        return group_of, members, starts, sizes

    def draw_set(self, constrained: bool = True) -> torch.Tensor:
        """Indices of one set: one random value of the inactive factors, active ones free."""
        if not constrained:
            return torch.randperm(len(self.data), generator=self._generator)[:self.set_size]
        anchor = int(torch.randint(len(self.data), (1,), generator=self._generator))
        group = int(self._group_of[anchor])
        offsets = torch.randperm(int(self._sizes[group]), generator=self._generator)
        return self._members[self._starts[group] + offsets[:self.set_size]]

    def next(self) -> dict[str, torch.Tensor]:
        """``{"x", "y"}`` images of sets A and B, ``{"x_factors", "y_factors"}`` their factors,
        and with an augmentation ``{"x_view2", "y_view2"}``."""
        pairs = [(self.draw_set(), self.draw_set(not self.unconstrained_second))
                 for _ in range(self.world_size)]
        first, second = pairs[self.rank]
        batch = {"x": self.data.images[first], "y": self.data.images[second],
                 "x_factors": self.data.factors[first], "y_factors": self.data.factors[second]}
        if self.augmentation is not None:
            for key in ("x", "y"):
                images = batch[key]
                batch[key] = self.augmentation(images, self._generator)
                batch[f"{key}_view2"] = self.augmentation(images, self._generator)
        return batch

    def state_dict(self) -> dict:
        return {"generator": self._generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self._generator.set_state(state["generator"])
