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


# Unsupervised domain adaptation (cdlm and its baselines): digits -> digits over photos.
_TINY_UDA_DATA = {"source": "digits", "target": "digits_m", "image_size": 16, "channels": 3,
                  "limit_train": 160, "limit_test": 48, "val_size": 32}
_TINY_UDA_TRAIN = {"steps": 6, "batch_size": 8, "lr": 0.01, "log_every": 2, "eval_every": 3,
                   "sample_every": 3, "checkpoint_every": 3, "num_threads": 1}
TINY_UDA = {
    "cdlm": {"data": _TINY_UDA_DATA, "train": _TINY_UDA_TRAIN, "eval": {"num_samples": 4},
             "model": {"latent_dim": 8, "width": 4, "decoder_width": 4, "classifier_width": 4,
                       "classifier_feature_dim": 16, "discriminator_hidden": 16}},
    **{name: {"data": _TINY_UDA_DATA, "train": _TINY_UDA_TRAIN, "eval": {"num_samples": 4},
              "model": {"width": 4, "feature_dim": 16}}
       for name in ("source_only", "target_only")},
    "dann": {"data": _TINY_UDA_DATA, "train": _TINY_UDA_TRAIN, "eval": {"num_samples": 4},
             "model": {"width": 4, "feature_dim": 16, "discriminator_hidden": 16}},
}

# Tiny settings of every registered method, for the contract test over all methods. A new
# method adds its entry here (its own ``data`` / ``model`` sections, seconds to train).
TINY_ACC = {
    "data": {"dataset": "squares", "image_size": 16, "set_size": 6, "inactive": ["shade"]},
    "model": {"conv_channels": [4, 8], "conv_strides": [2, 2], "dense_units": 16},
    "train": {"steps": 6, "log_every": 2, "eval_every": 3, "sample_every": 3,
              "checkpoint_every": 3, "num_threads": 1, "lr": 1e-3, "beta1": 0.9},
    "eval": {"num_samples": 4},
}
# Implicit latent variable models (sjmvi, vae, avb): 8x8 digits against the banana prior.
TINY_ILVM = {
    "data": {"x": "digits", "image_size": 8, "channels": 1, "prior": "banana",
             "prior_samples": 200, "limit_test": 48, "val_size": 32},
    "model": {"hidden": 16, "depth": 1},
    "train": {"steps": 6, "batch_size": 8, "log_every": 2, "eval_every": 3, "sample_every": 3,
              "checkpoint_every": 3, "num_threads": 1},
    "eval": {"num_samples": 4},
}
TINY_ILVM_RATIO = {**TINY_ILVM, "model": {**TINY_ILVM["model"], "ratio_hidden": 8,
                                          "ratio_depth": 1}}
# CycleTrack: tiny synthetic videos over generated textures, a one-layer tracker.
TINY_CYCLETRACK = {
    "data": {"backgrounds": "textures", "frame_width": 48, "frame_height": 40,
             "clip_length": 6, "train_videos": 8, "max_gap": 2, "val_pairs": 4, "test_clips": 2,
             "test_clip_length": 5, "max_candidates": 4},
    "model": {"channels": [4], "crop_size": 16},
    "train": {"steps": 6, "batch_size": 2, "lr": 1e-3, "beta1": 0.9, "log_every": 2,
              "eval_every": 3, "sample_every": 3, "checkpoint_every": 3, "num_threads": 1},
    "eval": {"num_samples": 2},
}
TINY_BY_METHOD = {"cyclegan": TINY, "cyclegn": TINY, **TINY_UDA, "acc": TINY_ACC,
                  "sjmvi": TINY_ILVM_RATIO, "vae": TINY_ILVM, "avb": TINY_ILVM_RATIO,
                  "cycletrack": TINY_CYCLETRACK}


@pytest.fixture
def tiny_settings():
    import copy

    return copy.deepcopy(TINY)


@pytest.fixture
def one_thread():
    """Torch on one thread for the test (tiny networks train faster and reproducibly)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_cdlm_teacher(tmp_path_factory):
    """A finished tiny CDLM run, the teacher of the ``dirt_t`` refinement's tests."""
    import copy

    import torch

    from cyclekit.config import build_config
    from cyclekit.engine.trainer import train

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    run_dir = tmp_path_factory.mktemp("teacher") / "cdlm"
    train(build_config({"method": "cdlm", **copy.deepcopy(TINY_UDA["cdlm"])}), run_dir,
          progress=False)
    torch.set_num_threads(threads)
    return run_dir


def tiny_dirt_t(teacher) -> dict:
    """Tiny settings of ``dirt_t`` refining the run in ``teacher`` (on the teacher's data)."""
    return {"data": dict(_TINY_UDA_DATA), "train": {**_TINY_UDA_TRAIN, "lr": 1e-3},
            "eval": {"num_samples": 4}, "model": {"teacher": str(teacher)}}


@pytest.fixture
def tiny_settings_for(request):
    """``tiny_settings_for(method_name)``: a fresh copy of that method's tiny settings."""
    import copy

    def settings(name: str) -> dict:
        if name == "dirt_t":
            return tiny_dirt_t(request.getfixturevalue("tiny_cdlm_teacher"))
        if name not in TINY_BY_METHOD:
            raise KeyError(f"method '{name}' has no tiny settings; add it to TINY_BY_METHOD "
                           f"in tests/conftest.py")
        return copy.deepcopy(TINY_BY_METHOD[name])

    return settings
