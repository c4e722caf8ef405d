"""sha256 verification of dataset files, cached per file size and mtime."""

import hashlib
from pathlib import Path

from cyclekit.atomic import atomic_write_text
from cyclekit.data.cache import cache_dir
from cyclekit.errors import DataError


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, expected: str, source: str) -> Path:
    """Return ``path`` if its sha256 is ``expected``; raise DataError naming ``source`` otherwise.

    A success is remembered in a marker keyed on the file's path, size and mtime,
    so an unchanged file is hashed only once.
    """
    if not path.is_file():
        raise DataError(f"missing dataset file {path} (expected sha256 {expected}); get it from {source}")
    stat = path.stat()
    stamp = f"{expected} {stat.st_size} {stat.st_mtime_ns}"
    marker = cache_dir("verified") / hashlib.sha256(str(path.resolve()).encode()).hexdigest()
    if marker.is_file() and marker.read_text() == stamp:
        return path
    actual = file_sha256(path)
    if actual != expected:
        raise DataError(
            f"corrupt dataset file {path}: sha256 {actual}, expected {expected}; "
            f"get a fresh copy from {source}"
        )
    atomic_write_text(marker, stamp)
    return path
