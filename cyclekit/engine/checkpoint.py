"""Checkpoints that hold everything a run needs to continue exactly where it stopped.

A checkpoint is a directory ``step_NNNNNNN/`` with ``weights.safetensors`` (every network of
the method), ``averaged.safetensors`` when the run keeps a weight average
(:mod:`cyclekit.engine.weight_average`), and ``state.pt`` (optimisers, schedulers, strategy
state such as the EM phase, the data sampler, image histories, RNG states, step and logging
state), and ``measured.json`` (what was measured rather than computed: the wall time).
Directories are written atomically (filled under a temporary name, then renamed), and
``LATEST`` names the newest one, so a crash mid-write never leaves a checkpoint that loads half.

Two rules keep checkpoints worth resuming from: one is written only when every weight (and
every weight of the average) is finite, so ``LATEST`` always names weights that can be
evaluated; and identical runs write identical bytes (``weights.safetensors``,
``averaged.safetensors`` and ``state.pt``; only ``measured.json`` holds the clock).
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_model, save_model

from cyclekit.atomic import atomic_write_dir, atomic_write_text
from cyclekit.errors import CheckpointError

FORMAT_VERSION = 1
AVERAGED_WEIGHTS = "averaged.safetensors"
MEASURED = "measured.json"
_STEP_DIR = re.compile(r"^step_(\d+)$")


class NonFiniteWeights(CheckpointError):
    """A checkpoint was refused because some weights are not finite (the run diverged)."""


def save_checkpoint(root: Path, name: str, method: torch.nn.Module, state: dict[str, Any],
                    *, keep: int | None = None, averaged: torch.nn.Module | None = None,
                    measured: dict[str, float] | None = None) -> Path:
    """Write ``root/name`` atomically (``averaged``: the method's weight average, if kept;
    ``measured``: values that differ between identical runs, such as the wall time); with
    ``keep``, also prune older step checkpoints.

    Raises :class:`NonFiniteWeights` (and writes nothing, ``LATEST`` untouched) when a weight
    of ``method`` or ``averaged`` is not finite; the message names the last good checkpoint.
    """
    root = Path(root)
    check_finite(root, name, method, averaged)

    def write(tmp: Path) -> None:
        save_weights(method, tmp / "weights.safetensors")
        if averaged is not None:
            save_weights(averaged, tmp / AVERAGED_WEIGHTS)
        torch.save(_canonical({"format_version": FORMAT_VERSION, **state}), tmp / "state.pt")
        if measured is not None:
            (tmp / MEASURED).write_text(json.dumps(measured, sort_keys=True) + "\n")

    path = atomic_write_dir(Path(root) / name, write)
    if _STEP_DIR.match(name):
        atomic_write_text(Path(root) / "LATEST", name + "\n")
        if keep is not None:
            for old in step_checkpoints(root)[:-keep]:
                shutil.rmtree(old, ignore_errors=True)
    return path


def check_finite(root: Path, name: str, method: torch.nn.Module,
                 averaged: torch.nn.Module | None = None) -> None:
    """Raise :class:`NonFiniteWeights` (naming the last good checkpoint under ``root``) when a
    weight of ``method`` or ``averaged`` is not finite: checkpoint ``name`` must not be written."""
    for label, module in (("weights", method), ("weights of the average", averaged)):
        bad = _nonfinite(module) if module is not None else None
        if bad:
            count, first = bad
            raise NonFiniteWeights(
                f"training diverged: not writing checkpoint '{Path(root) / name}', {count} "
                f"{label} are not finite (first in '{first}'); {last_good_checkpoint(root)}")


def last_good_checkpoint(root: Path) -> str:
    """Where to go on from when a run diverged: the newest step checkpoint, which holds
    finite weights (none with non-finite ones is ever written), or that there is none."""
    latest = latest_checkpoint(root)
    if latest is None:
        return "no checkpoint was written before it: train again with a lower train.lr"
    step = int(_STEP_DIR.match(latest.name).group(1)) if _STEP_DIR.match(latest.name) else None
    return (f"the last good checkpoint is '{latest}'" + (f" (step {step})" if step is not None
                                                          else "")
            + ": evaluate it with 'cyclekit eval', or train again with a lower train.lr")


def save_weights(module: torch.nn.Module, path: Path) -> None:
    """``safetensors.torch.save_model``, with the same bytes for the same weights.

    ``save_model`` records every alias of a shared tensor (CycleTrack's ``g`` and ``tracker``
    are its ``f``) in the file's metadata, which the Rust writer emits in hash-map order, a
    new order in every process; the header is rewritten here with those entries sorted (same
    content, same length, the tensor data untouched).
    """
    save_model(module, str(path))
    _sort_header_metadata(Path(path))


def _sort_header_metadata(path: Path) -> None:
    with open(path, "r+b") as stream:
        size = struct.unpack("<Q", stream.read(8))[0]
        header = stream.read(size)
        parsed = json.loads(header)
        metadata = parsed.get("__metadata__")
        if not isinstance(metadata, dict) or len(metadata) < 2:
            return
        ordered = {"__metadata__": dict(sorted(metadata.items())),
                   **{k: v for k, v in parsed.items() if k != "__metadata__"}}
        text = json.dumps(ordered, separators=(",", ":"), ensure_ascii=False).encode()
        if len(text) != len(header.rstrip(b" ")) or json.loads(text) != parsed:
            return  # not the writer's own formatting: leave the file as it was written
        stream.seek(8)
        stream.write(text + b" " * (size - len(text)))


def _canonical(value: Any) -> Any:
    """``value`` with the same contents pickled the same way: pickle writes a repeated
    object once and then refers to it, so a state whose equal strings are one object (as in a
    run that went on) and one whose are copies (as in a run restored from its checkpoint)
    would differ in bytes; here every container is fresh and every string interned."""
    kind = type(value)
    if kind is str:
        return sys.intern(value)
    if kind in (dict, OrderedDict):
        return kind((_canonical(k), _canonical(v)) for k, v in value.items())
    if kind in (list, tuple):
        return kind(_canonical(item) for item in value)
    return value


def _nonfinite(module: torch.nn.Module) -> tuple[int, str] | None:
    """How many floating-point values of ``module``'s state are not finite, and the first
    tensor holding one; None when all are finite."""
    count, first = 0, None
    for tensor_name, tensor in module.state_dict().items():
        if tensor.is_floating_point() or tensor.is_complex():
            bad = int((~torch.isfinite(tensor.detach())).sum())
            if bad:
                count += bad
                first = first or tensor_name
    return (count, first) if count else None


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
    if (path / MEASURED).is_file():
        try:
            state["measured"] = json.loads((path / MEASURED).read_text())
        except ValueError:
            state["measured"] = {}  # only timings: a damaged file loses the clock, not the run
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
