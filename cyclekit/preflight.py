"""Checks before any work starts, each failure one line that says what to fix.

A leaf (it imports only :mod:`cyclekit.errors`; PyTorch only inside
:func:`check_accelerator`): the commands check their config file, their output paths
(:func:`check_output_dir` for a folder they will fill, :func:`check_output_file` for a file
they will write) and the training accelerator before they read data or build a network.
Nothing is created: a later failure leaves the disk as it was.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from cyclekit.errors import ConfigError, OutputPathError


def check_output_dir(path: str | Path, option: str = "--out") -> Path:
    """``path`` is, or can be created as, a writable folder; raises :class:`OutputPathError`."""
    path = Path(path)
    _check_length(path, option)
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{option} '{path}' is a file, not a folder; give a folder "
                              f"path (a new one, or an existing folder)")
    _check_creatable(path, option, "folder")
    return path


def check_output_file(path: str | Path, option: str = "--out", example: str = "out.csv") -> Path:
    """``path`` is, or can be created as, a writable file; raises :class:`OutputPathError`."""
    path = Path(path)
    _check_length(path, option)
    if path.is_dir() or str(path).endswith(os.sep):
        raise OutputPathError(f"{option} '{path}' is a folder, not a file; give a file path, "
                              f"e.g. {Path(path) / example}")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputPathError(f"{option} '{path}' cannot be overwritten (permission denied); "
                              f"choose another path")
    _check_creatable(path.parent, option, "file", target=path)
    return path


def _check_length(path: Path, option: str) -> None:
    anchor = _nearest_existing(path.absolute())
    name_max = _pathconf(anchor, "PC_NAME_MAX", 255)
    path_max = _pathconf(anchor, "PC_PATH_MAX", 4096)
    for part in path.parts:
        if len(os.fsencode(part)) > name_max:
            raise OutputPathError(f"{option} '{_short(path)}' is too long for the file system: "
                                  f"the name '{_short(Path(part))}' has {len(os.fsencode(part))} "
                                  f"bytes, at most {name_max} are allowed; choose a shorter name")
    if len(os.fsencode(str(path.absolute()))) >= path_max:
        raise OutputPathError(f"{option} '{_short(path)}' is too long for the file system "
                              f"(at most {path_max - 1} bytes); choose a shorter path")


def _check_creatable(folder: Path, option: str, kind: str, target: Path | None = None) -> None:
    """``folder`` exists as a folder one can write in, or its missing part can be created:
    probed by creating (and at once removing) a hidden file in it, or a hidden folder in its
    nearest existing parent, so that a read-only disk or a pseudo file system answers too, not
    only permissions."""
    shown = target if target is not None else folder
    folder = Path(os.path.abspath(folder))
    anchor = _nearest_existing(folder)
    if not anchor.is_dir():
        raise OutputPathError(f"{option} '{shown}' lies below '{anchor}', which is a file, not a "
                              f"folder; choose a {kind} path outside it")
    try:
        if anchor == folder:
            handle, probe = tempfile.mkstemp(prefix=".cyclekit-probe.", dir=folder)
            os.close(handle)
            os.unlink(probe)
        else:  # a uniquely named folder: never the one asked for, which another process
            os.rmdir(tempfile.mkdtemp(prefix=".cyclekit-probe.", dir=anchor))  # may create now
    except OSError as error:
        reason = {errno.EACCES: "no permission to write in", errno.EPERM: "no permission to write in",
                  errno.EROFS: "read-only file system at"}.get(error.errno, None)
        where = (f"{reason} '{anchor}'" if reason else
                 f"'{anchor}' refuses new files ({error.strerror or type(error).__name__})")
        raise OutputPathError(f"{option} '{shown}' cannot be written: {where}; choose a {kind} "
                              f"path you can write") from None


def _nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists (as anything)."""
    path = Path(os.path.abspath(path))
    while not os.path.lexists(path) and path != path.parent:
        path = path.parent
    return path


def _pathconf(path: Path, name: str, default: int) -> int:
    try:
        return os.pathconf(path if path.is_dir() else path.parent, name)
    except (OSError, ValueError, AttributeError):
        return default


def _short(path: Path, keep: int = 60) -> str:
    text = str(path)
    return text if len(text) <= keep else f"{text[:keep // 2]}...{text[-keep // 2:]}"


def describe_os_error(error: OSError) -> str:
    """One line for a file-system error that got past the checks (e.g. a read-only disk)."""
    if not error.errno:  # e.g. an image PIL cannot read: not the file system's doing
        return f"{type(error).__name__}: {error}"
    reason = error.strerror or os.strerror(error.errno) or type(error).__name__
    where = f" '{error.filename}'" if error.filename else ""
    if error.filename2:
        where += f" -> '{error.filename2}'"
    hint = {errno.ENOSPC: "free some space", errno.EROFS: "choose a writable location",
            errno.EACCES: "choose a path you can write", errno.EPERM: "choose a path you can write",
            errno.ENAMETOOLONG: "choose a shorter path"}.get(error.errno,
                                                           "check the path and try again")
    return f"file system error{where}: {reason}; {hint}"


def check_config_file(path: str | Path) -> Path:
    """``path`` is a readable UTF-8 text file (its YAML is checked when it is loaded)."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"config file '{path}' is a directory, not a YAML file; give a file, "
                          f"e.g. configs/cyclegn_digits.yaml")
    if not path.exists():
        raise ConfigError(f"config file '{path}' does not exist; presets are in configs/")
    if not path.is_file():
        raise ConfigError(f"config file '{path}' is not a regular file; give a YAML file, e.g. "
                          f"configs/cyclegn_digits.yaml")
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"config file '{path}' is not a YAML text file (byte {error.start} is "
                          f"not UTF-8 text); give a .yaml preset, e.g. configs/cyclegn_digits.yaml"
                          ) from None
    except OSError as error:
        raise ConfigError(f"config file '{path}' cannot be read ({error.strerror or error}); "
                          f"check its permissions") from None
    return path


def check_accelerator(train) -> None:
    """``train.accelerator`` / ``train.devices`` (a :class:`~cyclekit.config.TrainConfig`)
    name devices this machine has: checked before Lightning Fabric is built, whose own error
    is a traceback."""
    if train.accelerator not in ("cuda", "gpu"):
        return
    import torch

    if not torch.cuda.is_available():
        raise ConfigError(f"train.accelerator={train.accelerator}, but this PyTorch sees no CUDA "
                          f"GPU; use --set train.accelerator=cpu (or auto), or install a CUDA "
                          f"build of PyTorch")
    if train.devices > torch.cuda.device_count():
        raise ConfigError(f"train.devices={train.devices}, but only {torch.cuda.device_count()} "
                          f"GPU(s) are visible; use --set train.devices="
                          f"{torch.cuda.device_count()}")
