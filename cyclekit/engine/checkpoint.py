"""Checkpoints that hold everything a run needs to continue exactly where it stopped.

A checkpoint is a directory ``step_NNNNNNN/`` with ``weights.safetensors`` (every network of
the method), ``averaged.safetensors`` when the run keeps a weight average
(:mod:`cyclekit.engine.weight_average`), and ``state.pt`` (optimisers, schedulers, strategy
state such as the EM phase, the data sampler, image histories, RNG states, step and logging
state). Directories are
written atomically (filled under a temporary name, then renamed), and ``LATEST`` names the
newest one, so a crash mid-write never leaves a checkpoint that loads half.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_model, save_model

from cyclekit.atomic import atomic_write_dir, atomic_write_text
from cyclekit.errors import CheckpointError

FORMAT_VERSION = 1
AVERAGED_WEIGHTS = "averaged.safetensors"
_STEP_DIR = re.compile(r"^step_(\d+)$")


def save_checkpoint(root: Path, name: str, method: torch.nn.Module, state: dict[str, Any],
                    *, keep: int | None = None, averaged: torch.nn.Module | None = None) -> Path:
    """Write ``root/name`` atomically (``averaged``: the method's weight average, if kept);
    with ``keep``, also prune older step checkpoints."""
    def write(tmp: Path) -> None:
        save_model(method, str(tmp / "weights.safetensors"))
        if averaged is not None:
            save_model(averaged, str(tmp / AVERAGED_WEIGHTS))
        torch.save({"format_version": FORMAT_VERSION, **state}, tmp / "state.pt")

    path = atomic_write_dir(Path(root) / name, write)
    if _STEP_DIR.match(name):
        atomic_write_text(Path(root) / "LATEST", name + "\n")
        if keep is not None:
            for old in step_checkpoints(root)[:-keep]:
                shutil.rmtree(old, ignore_errors=True)
    return path


def step_checkpoints(root: Path) -> list[Path]:
    """Step checkpoints under ``root``, oldest first."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and _STEP_DIR.match(p.name)]
    return sorted(found, key=lambda p: int(_STEP_DIR.match(p.name).group(1)))


def latest_checkpoint(root: Path) -> Path | None:
    root = Path(root)
    marker = root / "LATEST"
    if marker.is_file():
        candidate = root / marker.read_text().strip()
        if candidate.is_dir():
            return candidate
    found = step_checkpoints(root)
    return found[-1] if found else None


def load_checkpoint(path: Path, method: torch.nn.Module, *, fingerprint: str,
                    device: torch.device | str = "cpu", averaged: bool = False) -> dict[str, Any]:
    """Load weights into ``method`` (on ``device``; with ``averaged``, the weight average
    instead of the last iterate) and return the rest of the state.

    The rest stays on the CPU: random generators, sampler orders and RNG states are host-side
    (a GPU copy is refused by ``set_state``), and optimisers move their state to their
    parameters' device when they load it.

    Raises :class:`CheckpointError` when the checkpoint is unreadable or was written by a
    run with another configuration (its fingerprint differs).
    """
    path = Path(path)
    weights, state_file = path / "weights.safetensors", path / "state.pt"
    if not weights.is_file() or not state_file.is_file():
        raise CheckpointError(f"checkpoint '{path}' is incomplete: expected weights.safetensors "
                              f"and state.pt inside it")
    try:
        state = torch.load(state_file, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001  (any unpickling failure means a corrupt file)
        raise CheckpointError(f"checkpoint '{state_file}' cannot be read "
                              f"({type(error).__name__}); delete it and resume from an older one"
                              ) from None
    if state.get("fingerprint") != fingerprint:
        raise CheckpointError(
            f"checkpoint '{path}' was written for another configuration (fingerprint "
            f"{state.get('fingerprint')} != {fingerprint}); use the run's own config.yaml")
    if averaged:
        weights = path / AVERAGED_WEIGHTS
        if not weights.is_file():
            raise CheckpointError(f"checkpoint '{path}' holds no weight average (it was "
                                  f"written with train.ema_decay 0); set train.ema_decay: 0 in "
                                  f"the run's config.yaml to use its last weights")
    load_weights(weights, method, device)
    return state


def load_weights(weights: Path, method: torch.nn.Module, device: torch.device | str = "cpu",
                 ) -> None:
    """Load one safetensors file of a checkpoint into ``method``, refusing any mismatch."""
    try:
        missing, unexpected = load_model(method, str(weights), strict=False, device=str(device))
    except Exception as error:  # noqa: BLE001
        raise CheckpointError(f"weights in '{weights}' do not fit this model "
                              f"({str(error).splitlines()[0][:200]})") from None
    # A module registered under several names (self-cyclic f = g) is stored once; BatchNorm's
    # loader inserts its step counter under every alias, which safetensors then reports as
    # unexpected although the model has those names and the shared tensor was loaded.
    known = method.state_dict().keys()
    unexpected = [name for name in unexpected if name not in known]
    if missing or unexpected:
        raise CheckpointError(f"weights in '{weights}' do not fit this model (missing "
                              f"{sorted(missing)[:5]}, unexpected {sorted(unexpected)[:5]})")
