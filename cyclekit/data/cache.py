"""On-disk cache directory and atomic writes into it."""

import os
import tempfile
from pathlib import Path

import numpy as np

CACHE_ENV = "CYCLEKIT_CACHE"


def cache_dir(*parts: str) -> Path:
    """A folder under env ``CYCLEKIT_CACHE`` (default ``~/.cache/cyclekit``), created if needed."""
    root = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "cyclekit")
    folder = root.joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _replace_atomically(path: Path, write) -> None:
    """Call ``write(file)`` on a temporary file next to ``path``, then move it into place."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers never see a partial file."""
    _replace_atomically(path, lambda file: file.write(text.encode()))


def save_npz_atomic(path: Path, **arrays: np.ndarray) -> None:
    """Save arrays as an uncompressed npz so readers never see a partial file."""
    _replace_atomically(path, lambda file: np.savez(file, **arrays))
