"""Implicit priors p*(z) given by samples (Tiao et al. 2018, Eq. 2), and the "banana" prior.

A :class:`PriorSampler` draws mini-batches from a finite collection Z* = {z*_m} (an array,
or the images of a dataset), shuffled epoch by epoch like the image domains, or from a
callable ``sample(n, generator)``. All randomness comes from its own generator, so draws are
deterministic and resumable (:meth:`state_dict`). A density ``log_prob`` is optional: only
methods that need it (the VAE) ask for it.

Named priors (:data:`PRIORS`): ``banana`` (z1, z2) ~ N(0, [[1, .95], [.95, 1]]) mapped to
(z1, z2 - z1^2 - 1), whose map has Jacobian 1, so its log-density is exact; ``gaussian``
N(0, I); ``swiss_roll`` (scikit-learn's roll, 2-D, scaled), which has no closed-form
density.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from cyclekit.data.domain import DomainData
from cyclekit.data.unpaired import _Shuffled
from cyclekit.errors import ConfigError, DataError

SampleFn = Callable[[int, torch.Generator], torch.Tensor]
LogProbFn = Callable[[torch.Tensor], torch.Tensor]

BANANA_CORRELATION = 0.95


class PriorSampler:
    """Draws prior samples from a collection (tensor, array, :class:`DomainData`) or a callable.

    With ``world_size`` > 1 a collection is shared out like the image domains (every rank the
    same permutation, a disjoint share); a callable gets a per-rank seed.
    """

    def __init__(self, source: torch.Tensor | np.ndarray | DomainData | SampleFn, *, seed: int,
                 log_prob: LogProbFn | None = None, rank: int = 0, world_size: int = 1):
        if world_size < 1 or not 0 <= rank < world_size:
            raise DataError(f"need 0 <= rank < world_size, got rank {rank}, world_size {world_size}")
        self.log_prob_fn = log_prob
        self._generator = torch.Generator().manual_seed(seed)
        self._sample_fn: SampleFn | None = None
        self._collection: _Shuffled | None = None
        if isinstance(source, DomainData):
            source = source.images
        if isinstance(source, np.ndarray):
            source = torch.from_numpy(source)
        if isinstance(source, torch.Tensor):
            if source.ndim < 2 or len(source) < world_size:
                raise DataError(f"a prior collection needs shape (M, ...) with M >= {world_size} "
                                f"samples, got {tuple(source.shape)}")
            self._collection = _Shuffled(source.float(), rank, world_size)
            self._collection.reshuffle(self._generator)
        elif callable(source):
            self._sample_fn = source
            self._generator.manual_seed(seed * world_size + rank)  # a stream per rank
        else:
            raise DataError(f"a prior is an array of samples, a DomainData or a callable "
                            f"sample(n, generator), got {type(source).__name__}")

    @property
    def is_collection(self) -> bool:
        return self._collection is not None

    def draw(self, count: int) -> torch.Tensor:
        """The next ``count`` prior samples."""
        if self._collection is not None:
            if count > len(self._collection.order):
                raise DataError(f"cannot draw {count} samples per batch from a prior collection "
                                f"of {len(self._collection.order)} (per process)")
            return self._collection.take(count, self._generator)
        return self._sample_fn(count, self._generator).float()

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        """Exact log-density, for priors that have one."""
        if self.log_prob_fn is None:
            raise ConfigError("this prior is given by samples only and has no log-density; "
                              "use a method that needs samples only (sjmvi, avb)")
        return self.log_prob_fn(z)

    def state_dict(self) -> dict:
        state = {"generator": self._generator.get_state()}
        if self._collection is not None:
            state.update(order=self._collection.order.clone(), position=self._collection.position)
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict` of a sampler over the same source."""
        if self._collection is not None:
            if len(state["order"]) != len(self._collection.order):
                raise DataError(f"prior sampler state holds {len(state['order'])} samples per "
                                f"epoch, this sampler {len(self._collection.order)}")
            self._collection.order = state["order"].clone()
            self._collection.position = int(state["position"])
        self._generator.set_state(state["generator"])


def banana_sample(count: int, generator: torch.Generator) -> torch.Tensor:
    """(z1, z2) ~ N(0, [[1, rho], [rho, 1]]) mapped to (z1, z2 - z1^2 - 1)."""
    u = torch.randn(count, 2, generator=generator, dtype=torch.float64)
    z1 = u[:, 0]
    z2 = BANANA_CORRELATION * u[:, 0] + math.sqrt(1 - BANANA_CORRELATION ** 2) * u[:, 1]
    return torch.stack([z1, z2 - z1 ** 2 - 1], dim=1).float()


def banana_log_prob(z: torch.Tensor) -> torch.Tensor:
    """Exact log-density of the banana: the inverse map (z1, z2 + z1^2 + 1) has Jacobian 1."""
    rho = BANANA_CORRELATION
    a, b = z[..., 0], z[..., 1] + z[..., 0] ** 2 + 1
    quadratic = (a ** 2 - 2 * rho * a * b + b ** 2) / (1 - rho ** 2)
    return -0.5 * quadratic - math.log(2 * math.pi) - 0.5 * math.log(1 - rho ** 2)


def gaussian_sample(count: int, generator: torch.Generator) -> torch.Tensor:
    return torch.randn(count, 2, generator=generator)


def gaussian_log_prob(z: torch.Tensor) -> torch.Tensor:
    return -0.5 * (z ** 2).sum(-1) - 0.5 * z.shape[-1] * math.log(2 * math.pi)


def swiss_roll_sample(count: int, generator: torch.Generator) -> torch.Tensor:
    """scikit-learn's swiss roll (noise 0.5), its 2-D (x, z) coordinates divided by 5."""
    from sklearn.datasets import make_swiss_roll

    seed = int(torch.randint(0, 2 ** 31 - 1, (1,), generator=generator))
    points, _ = make_swiss_roll(count, noise=0.5, random_state=seed)
    return torch.from_numpy(points[:, [0, 2]] / 5.0).float()


@dataclass(frozen=True)
class NamedPrior:
    """A prior by name: how to sample it, and its log-density when it has one."""

    sample: SampleFn
    log_prob: LogProbFn | None
    dim: int = 2


PRIORS: dict[str, NamedPrior] = {
    "banana": NamedPrior(banana_sample, banana_log_prob),
    "gaussian": NamedPrior(gaussian_sample, gaussian_log_prob),
    "swiss_roll": NamedPrior(swiss_roll_sample, None),
}


def get_prior(name: str) -> NamedPrior:
    if name not in PRIORS:
        raise ConfigError(f"unknown prior '{name}'; choose one of {sorted(PRIORS)}")
    return PRIORS[name]


def prior_collection(name: str, count: int, seed: int) -> torch.Tensor:
    """The finite collection Z* of ``count`` samples of a named prior (Eq. 2), fixed by ``seed``."""
    return get_prior(name).sample(count, torch.Generator().manual_seed(seed))
