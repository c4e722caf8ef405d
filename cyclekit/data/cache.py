"""The on-disk cache directory (built datasets, trained judges, checksum markers)."""

import os
from pathlib import Path

CACHE_ENV = "CYCLEKIT_CACHE"


def cache_dir(*parts: str) -> Path:
    """A folder under env ``CYCLEKIT_CACHE`` (default ``~/.cache/cyclekit``), created if needed."""
    root = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "cyclekit")
    folder = root.joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
