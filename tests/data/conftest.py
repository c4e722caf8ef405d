"""Fixtures: an isolated cache and tiny dataset files registered in the catalog."""

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

import cyclekit.data.catalog as catalog
from cyclekit.data.checksum import file_sha256


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Every test gets its own cache directory and no data directory from the environment."""
    monkeypatch.setenv("CYCLEKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(catalog.DATA_ENV, raising=False)
    return tmp_path / "cache"


@pytest.fixture
def data_dir(tmp_path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def register(monkeypatch, data_dir):
    """Record a file under ``data_dir`` in the catalog with its current sha256."""

    def _register(relpath: str) -> str:
        digest = file_sha256(data_dir / relpath)
        monkeypatch.setitem(catalog.FILES, relpath, catalog.DataFile(relpath, digest, "the test fixture"))
        return digest

    return _register


@pytest.fixture
def write_idx():
    """Writer of uint8 arrays as gzip-compressed idx files."""

    def _write(path: Path, array: np.ndarray) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
        with gzip.open(path, "wb") as file:
            file.write(header + array.astype(np.uint8).tobytes())

    return _write
