"""Shared fixtures: a tiny experiment that trains in seconds on scikit-learn's digits."""

from __future__ import annotations

import os

import pytest

TINY = {
    "data": {"x": "digits", "y": "digits_m", "image_size": 16, "channels": 3,
             "limit_train": 160, "limit_test": 48, "val_size": 32},
    "model": {"generator_channels": 8, "generator_blocks": 1, "discriminator_channels": 8},
    "train": {"steps": 6, "batch_size": 4, "log_every": 2, "eval_every": 3, "sample_every": 3,
              "checkpoint_every": 3, "num_threads": 1},
    "eval": {"judge_epochs": 1, "num_samples": 4},
}


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Keep judges and built datasets of the tests out of the user's cache."""
    cache = os.environ.get("CYCLEKIT_TEST_CACHE") or str(tmp_path_factory.getbasetemp() / "cache")
    monkeypatch.setenv("CYCLEKIT_CACHE", cache)


# Tiny settings of every registered method, for the contract test over all methods. A new
# method adds its entry here (its own ``data`` / ``model`` sections, seconds to train).
TINY_BY_METHOD = {"cyclegan": TINY, "cyclegn": TINY}


@pytest.fixture
def tiny_settings():
    import copy

    return copy.deepcopy(TINY)


@pytest.fixture
def tiny_settings_for():
    """``tiny_settings_for(method_name)``: a fresh copy of that method's tiny settings."""
    import copy

    def settings(name: str) -> dict:
        if name not in TINY_BY_METHOD:
            raise KeyError(f"method '{name}' has no tiny settings; add it to TINY_BY_METHOD "
                           f"in tests/conftest.py")
        return copy.deepcopy(TINY_BY_METHOD[name])

    return settings
