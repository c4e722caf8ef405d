"""Capture and restore every global random number generator (for exact resume), and give each
data-parallel rank a stream of its own."""

from __future__ import annotations

import random

import numpy as np
import torch


def capture_rng_state() -> dict:
    kind, keys, position, has_gauss, cached = np.random.get_state()
    state = {
        "python": random.getstate(),
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)),
                  "position": int(position), "has_gauss": int(has_gauss), "cached": float(cached)},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    numpy_state = state["numpy"]
    np.random.set_state((numpy_state["kind"], numpy_state["keys"].numpy().astype(np.uint32),
                         numpy_state["position"], numpy_state["has_gauss"], numpy_state["cached"]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def seed_rank_stream(seed: int, rank: int) -> None:
    """Give a data-parallel rank its own stream of the global generators (the methods' noise
    draws, dropout, history-buffer picks), seeded from ``(seed, rank)``. Called once every rank
    has drawn the same initial weights: without it every rank would draw the same noise for
    its own share of the batch."""
    stream_seed = int(np.random.SeedSequence([seed, rank]).generate_state(1)[0])
    random.seed(stream_seed)
    np.random.seed(stream_seed)
    torch.manual_seed(stream_seed)
