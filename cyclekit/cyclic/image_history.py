"""The image history buffer of CycleGAN (Shrivastava et al. 2017, as used by Zhu et al. 2017).

The discriminator is shown a mix of the latest fakes and fakes from earlier generators:
each incoming image is stored while the buffer fills; afterwards, with probability 1/2 it
replaces a random stored image and the stored one is returned instead.
"""

from __future__ import annotations

import torch


class ImageHistory:
    """A buffer of up to ``capacity`` generated images with its own random generator."""

    def __init__(self, capacity: int = 50, seed: int = 0):
        self.capacity = capacity
        self.images: torch.Tensor | None = None
        self.count = 0
        self.generator = torch.Generator().manual_seed(seed)

    def query(self, fakes: torch.Tensor) -> torch.Tensor:
        """Return a batch the size of ``fakes``: each row new or swapped for a stored one."""
        fakes = fakes.detach()
        if self.capacity == 0:
            return fakes
        if self.images is None:
            self.images = torch.empty((self.capacity, *fakes.shape[1:]), dtype=fakes.dtype,
                                      device=fakes.device)
        n = fakes.shape[0]
        coin = torch.rand(n, generator=self.generator) < 0.5
        slots = torch.randint(self.capacity, (n,), generator=self.generator)
        out = fakes.clone()
        for i in range(n):  # sequential by definition: row i may see row i-1's insertion
            if self.count < self.capacity:
                self.images[self.count] = fakes[i]
                self.count += 1
            elif coin[i]:
                slot = int(slots[i])
                out[i] = self.images[slot]
                self.images[slot] = fakes[i]
        return out

    def state_dict(self) -> dict:
        return {"images": None if self.images is None else self.images.detach().cpu().clone(),
                "count": self.count, "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict, device: torch.device | str = "cpu") -> None:
        images = state["images"]
        self.images = None if images is None else images.to(device)
        self.count = int(state["count"])
        self.generator.set_state(state["generator"])
