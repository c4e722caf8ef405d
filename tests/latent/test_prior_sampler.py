"""PriorSampler (seed 001, Eq. 2): collections, callables, datasets; the banana prior."""

import math

import numpy as np
import pytest
import torch

from cyclekit.data.domain import load_domain
from cyclekit.errors import ConfigError, DataError
from cyclekit.latent.image_prior_batcher import ImagePriorBatcher
from cyclekit.latent.prior_sampler import (
    BANANA_CORRELATION,
    PriorSampler,
    banana_log_prob,
    banana_sample,
    get_prior,
    prior_collection,
)


def test_banana_density_integrates_to_one():
    z1 = torch.linspace(-6, 6, 1201, dtype=torch.float64)
    z2 = torch.linspace(-45, 6, 2551, dtype=torch.float64)
    grid = torch.stack(torch.meshgrid(z1, z2, indexing="ij"), dim=-1)
    cell = (z1[1] - z1[0]) * (z2[1] - z2[0])
    total = float(banana_log_prob(grid).exp().sum() * cell)
    assert total == pytest.approx(1.0, abs=2e-3)


def test_banana_samples_match_their_density():
    samples = banana_sample(200_000, torch.Generator().manual_seed(0)).double()
    # E[z1] = 0, E[z2] = E[u2] - E[z1^2] - 1 = -2, Var[z2] = 1 + 2 = 3
    assert float(samples[:, 0].mean()) == pytest.approx(0.0, abs=0.01)
    assert float(samples[:, 1].mean()) == pytest.approx(-2.0, abs=0.02)
    assert float(samples[:, 1].var()) == pytest.approx(3.0, rel=0.02)
    # the map has Jacobian 1: the entropy is the correlated Gaussian's
    entropy = math.log(2 * math.pi * math.e) + 0.5 * math.log(1 - BANANA_CORRELATION ** 2)
    assert float(-banana_log_prob(samples).mean()) == pytest.approx(entropy, abs=0.01)


def test_array_prior_draws_each_sample_once_per_epoch_and_resumes():
    collection = torch.arange(12, dtype=torch.float32).view(6, 2)
    sampler = PriorSampler(collection, seed=3)
    epoch = torch.cat([sampler.draw(2) for _ in range(3)])
    assert sorted(epoch[:, 0].tolist()) == collection[:, 0].tolist()
    state = sampler.state_dict()
    expected = [sampler.draw(2) for _ in range(5)]
    resumed = PriorSampler(collection, seed=99)
    resumed.load_state_dict(state)
    assert all(torch.equal(a, resumed.draw(2)) for a in expected)
    with pytest.raises(DataError, match="cannot draw"):
        sampler.draw(7)


def test_numpy_array_and_dataset_priors():
    from_numpy = PriorSampler(np.ones((4, 2), dtype=np.float64), seed=0)
    assert from_numpy.draw(3).dtype == torch.float32 and from_numpy.is_collection
    digits = load_domain("digits", "train", image_size=8, channels=1, limit=20)
    images = PriorSampler(digits, seed=0).draw(5)
    assert images.shape == (5, 1, 8, 8)
    assert all(any(torch.equal(image, d) for d in digits.images) for image in images)


def test_callable_prior_is_deterministic_per_seed_and_resumable():
    first, second = PriorSampler(banana_sample, seed=1), PriorSampler(banana_sample, seed=1)
    assert torch.equal(first.draw(8), second.draw(8))
    assert not torch.equal(PriorSampler(banana_sample, seed=2).draw(8), first.draw(8))
    state = first.state_dict()
    expected = first.draw(4)
    first.load_state_dict(state)
    assert torch.equal(first.draw(4), expected)


def test_collection_is_shared_out_across_ranks():
    collection = torch.arange(16, dtype=torch.float32).view(8, 2)
    shares = [PriorSampler(collection, seed=0, rank=r, world_size=2).draw(4) for r in range(2)]
    values = torch.cat(shares)[:, 0].tolist()
    assert sorted(values) == collection[:, 0].tolist()


def test_log_density_only_where_known():
    assert PriorSampler(banana_sample, seed=0, log_prob=banana_log_prob).log_prob(
        torch.zeros(3, 2)).shape == (3,)
    with pytest.raises(ConfigError, match="samples only"):
        PriorSampler(torch.zeros(4, 2), seed=0).log_prob(torch.zeros(1, 2))
    assert get_prior("swiss_roll").log_prob is None
    with pytest.raises(ConfigError, match="unknown prior"):
        get_prior("moon")
    with pytest.raises(DataError, match="array of samples"):
        PriorSampler("banana", seed=0)


def test_named_collections_are_fixed_by_seed():
    assert torch.equal(prior_collection("banana", 50, seed=4), prior_collection("banana", 50, seed=4))
    roll = prior_collection("swiss_roll", 50, seed=4)
    assert roll.shape == (50, 2) and torch.equal(roll, prior_collection("swiss_roll", 50, seed=4))


def test_image_prior_batcher_is_resumable():
    images = torch.randn(10, 1, 4, 4)

    def batcher():
        return ImagePriorBatcher(images, PriorSampler(banana_sample, seed=5), 3, seed=7)

    first = batcher()
    for _ in range(4):
        batch = first.next()
    assert batch["x"].shape == (3, 1, 4, 4) and batch["y"].shape == (3, 2)
    state = first.state_dict()
    expected = [first.next() for _ in range(5)]
    resumed = batcher()
    resumed.load_state_dict(state)
    for batch in expected:
        again = resumed.next()
        assert torch.equal(batch["x"], again["x"]) and torch.equal(batch["y"], again["y"])
