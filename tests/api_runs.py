"""Tiny finished runs shared by tests/test_api.py and tests/test_export.py, trained once per
session (a module-level cache: both test modules import this one module, and its fixtures
``translation_run`` and ``adaptation_run``)."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import TINY_BY_METHOD

_RUNS: dict[str, Path] = {}


def trained_run(name: str, tmp_path_factory) -> Path:
    """A finished tiny run of method ``name`` (the translation judge skipped: seconds)."""
    if name not in _RUNS:
        import torch

        from cyclekit.config import build_config
        from cyclekit.engine.trainer import train

        settings = copy.deepcopy(TINY_BY_METHOD[name])
        if name in ("cyclegan", "cyclegn"):
            settings["eval"]["translation_accuracy"] = False
        root = tmp_path_factory.mktemp(f"api_{name}")
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with pytest.MonkeyPatch.context() as patch:  # the cache tests/conftest.py uses
                patch.setenv("CYCLEKIT_CACHE", os.environ.get("CYCLEKIT_TEST_CACHE") or str(
                    tmp_path_factory.getbasetemp() / "cache"))
                train(build_config({"method": name, **settings}), root / "run", progress=False)
        finally:
            torch.set_num_threads(threads)
        _RUNS[name] = root / "run"
    return _RUNS[name]


def image_files(folder: Path) -> list[Path]:
    """A few image files of odd sizes and modes (RGB, grey, palette, RGBA)."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {"rgb.png": rng.integers(0, 256, (20, 24, 3), dtype=np.uint8),
              "grey.png": rng.integers(0, 256, (16, 16), dtype=np.uint8),
              "alpha.png": rng.integers(0, 256, (18, 13, 4), dtype=np.uint8)}
    paths = []
    for name, array in arrays.items():
        Image.fromarray(array).save(folder / name)
        paths.append(folder / name)
    Image.fromarray(arrays["grey.png"]).convert("P").save(folder / "palette.gif")
    return sorted([*paths, folder / "palette.gif"])


@pytest.fixture(scope="session", name="translation_run")
def translation_run_fixture(tmp_path_factory):
    """A finished tiny CycleGAN run (digits -> digits over photos, 16 px, RGB)."""
    return trained_run("cyclegan", tmp_path_factory)


@pytest.fixture(scope="session", name="adaptation_run")
def adaptation_run_fixture(tmp_path_factory):
    """A finished tiny source-only run (digits -> digits over photos, 16 px, RGB)."""
    return trained_run("source_only", tmp_path_factory)
