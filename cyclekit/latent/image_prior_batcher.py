"""Mini-batches of images paired with prior samples, for implicit latent variable models."""

from __future__ import annotations

import torch

from cyclekit.data.unpaired import _Shuffled
from cyclekit.errors import DataError
from cyclekit.latent.prior_sampler import PriorSampler


class ImagePriorBatcher:
    """``{"x": images, "y": prior samples z*, **noise}``: images shuffled epoch by epoch (as
    :class:`~cyclekit.data.UnpairedBatcher` does), prior samples from a :class:`PriorSampler`,
    and standard normal noise of the shapes in ``noise`` (e.g. eps and xi, the noise inputs
    of the mappings G(eps; x), F(xi; z) of Tiao et al. 2018, Eq. 3-4).

    Deterministic and resumable: the images' order and the noise come from this batcher's own
    generator, the prior's samples from the sampler's; both are in :meth:`state_dict`.
    """

    def __init__(self, images: torch.Tensor, prior: PriorSampler, batch_size: int, *, seed: int,
                 rank: int = 0, world_size: int = 1,
                 noise: dict[str, tuple[int, ...]] | None = None):
        if batch_size < 1 or world_size < 1 or not 0 <= rank < world_size:
            raise DataError(f"need batch_size >= 1 and 0 <= rank < world_size, got {batch_size}, "
                            f"{rank}, {world_size}")
        if len(images) < batch_size * world_size:
            raise DataError(f"{len(images)} training images are fewer than batch_size * "
                            f"world_size = {batch_size * world_size}; lower train.batch_size")
        self.batch_size = batch_size
        self.prior = prior
        self.noise = dict(noise or {})
        if {"x", "y"} & set(self.noise):
            raise DataError("noise entries cannot be named 'x' or 'y'")
        self._generator = torch.Generator().manual_seed(seed)  # the same permutations on all ranks
        self._images = _Shuffled(images, rank, world_size)
        self._images.reshuffle(self._generator)

    def next(self) -> dict[str, torch.Tensor]:
        batch = {"x": self._images.take(self.batch_size, self._generator),
                 "y": self.prior.draw(self.batch_size)}
        for name, shape in self.noise.items():
            batch[name] = torch.randn(self.batch_size, *shape, generator=self._generator)
        return batch

    def state_dict(self) -> dict:
        return {"generator": self._generator.get_state(), "x_order": self._images.order.clone(),
                "x_position": self._images.position, "prior": self.prior.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        if len(state["x_order"]) != len(self._images.order):
            raise DataError(f"batcher state holds {len(state['x_order'])} images per epoch, "
                            f"this batcher {len(self._images.order)}")
        self._generator.set_state(state["generator"])
        self._images.order = state["x_order"].clone()
        self._images.position = int(state["x_position"])
        self.prior.load_state_dict(state["prior"])
