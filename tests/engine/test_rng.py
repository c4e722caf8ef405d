"""Global generator state: captured and restored exactly, and one stream per data-parallel rank."""

import random

import numpy as np
import torch

from cyclekit.engine.rng import capture_rng_state, restore_rng_state, seed_rank_stream


def _draws() -> tuple:
    return random.random(), float(np.random.rand()), torch.rand(3).tolist()


def test_restore_replays_every_generator():
    torch.manual_seed(0)
    state = capture_rng_state()
    first = _draws()
    restore_rng_state(state)
    assert _draws() == first


def test_each_rank_has_its_own_stream_and_it_reproduces():
    seed_rank_stream(7, 0)
    rank_0 = _draws()
    seed_rank_stream(7, 1)
    rank_1 = _draws()
    assert all(a != b for a, b in zip(rank_0, rank_1))  # every generator differs
    _draws()  # whatever was drawn before, (seed, rank) starts the same stream
    seed_rank_stream(7, 1)
    assert _draws() == rank_1
    seed_rank_stream(8, 1)
    assert _draws() != rank_1
