"""Building a registered method, and loading a finished run's method for inference.

Loading needs no training loop: ``predict``, ``translate``, the trackers and DIRT-T's teacher
read runs through this module alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from cyclekit.config import ExperimentConfig, build_config, load_config
from cyclekit.engine.checkpoint import latest_checkpoint, load_checkpoint
from cyclekit.errors import CheckpointError, ConfigError, CyclekitError, RunKindError
from cyclekit.registry import ENTRY_POINT_GROUP, get_method_class

if TYPE_CHECKING:
    from cyclekit.engine.method import Method


def create_method(name: str, config: ExperimentConfig | dict[str, Any] | None = None) -> Method:
    """Build a registered method from an experiment config (or a partial mapping of one)."""
    if not isinstance(config, ExperimentConfig):
        config = build_config({**(config or {}), "method": name})
    if config.method != name:
        raise ConfigError(f"config is for method '{config.method}', not '{name}'")
    return get_method_class(name)(config)


def build_method(config: ExperimentConfig, device: torch.device) -> Method:
    """The config's method on ``device`` (channels-last when ``train.channels_last``)."""
    method = get_method_class(config.method)(config).to(device)
    if config.train.channels_last:
        method = method.to(memory_format=torch.channels_last)
    return method


def selected_checkpoint(config: ExperimentConfig, checkpoints: Path) -> Path:
    """The checkpoint the run's ``eval.checkpoint`` rule names: ``best`` or the latest step."""
    if config.eval.checkpoint == "best_val_cycle" and (checkpoints / "best").is_dir():
        return checkpoints / "best"
    path = latest_checkpoint(checkpoints)
    if path is None:
        raise CheckpointError(f"no checkpoint in '{checkpoints}'; train the run first")
    return path


def load_trained_method(run_dir: str | Path, device: torch.device | str = "cpu",
                        checkpoint: str | Path | None = None,
                        ) -> tuple[ExperimentConfig, Method]:
    """A finished (or stopped) run's config and its method, with the weights of the checkpoint
    its ``eval.checkpoint`` rule selects (or of ``checkpoint``, a folder under the run's
    ``checkpoints/``; the weight average when the run keeps one), in eval mode: for inference
    and figures."""
    run_dir = Path(run_dir)
    if not (run_dir / "config.yaml").is_file():
        raise CyclekitError(f"'{run_dir}' is not a run directory (no config.yaml in it)")
    config = load_config(run_dir / "config.yaml")
    method = build_method(config, torch.device(device))
    path = Path(checkpoint) if checkpoint is not None else selected_checkpoint(
        config, run_dir / "checkpoints")
    state = load_checkpoint(path, method, fingerprint=config.fingerprint(), device=device,
                            averaged=bool(config.train.ema_decay))
    method.load_extra_state(state["method_extra"], device)
    return config, method.eval()


# The method families: the subpackage of cyclekit that defines a method names its kind of run.
FAMILIES = ("translation", "adaptation", "latent", "affinity", "tracking")
_ARTICLE = {"adaptation": "an", "affinity": "an"}


def method_family(name: str) -> str | None:
    """The family of method ``name`` (``translation``, ``adaptation``, ...; None for a method
    defined outside cyclekit's family subpackages)."""
    parts = get_method_class(name).__module__.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "cyclekit" and parts[1] in FAMILIES else None


def family_methods(family: str) -> list[str]:
    """The shipped (entry-point) methods of ``family``, sorted; imports none of them."""
    from importlib.metadata import entry_points

    return sorted(point.name for point in entry_points(group=ENTRY_POINT_GROUP)
                  if point.value.split(":")[0].split(".")[1:2] == [family])


def describe_kinds(families: tuple[str, ...]) -> str:
    """``a translation run (cyclegan or cyclegn)``: the runs of ``families``, in words."""
    def one(family: str) -> str:
        names = family_methods(family)
        listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)
        return f"{_ARTICLE.get(family, 'a')} {family} run ({listed})"
    return " or ".join(one(family) for family in families)


def require_run_kind(run_dir: str | Path, families: tuple[str, ...] | None, command: str, *,
                     why: str = "", checkpoint: bool = True) -> str:
    """Check, before any work, that ``run_dir`` is a run folder of one of ``families`` (any
    method when None) that holds a checkpoint (when ``checkpoint``); return its method name.

    Reads only the run's ``config.yaml`` for its ``method`` (not the whole config, whose
    sections another command would read differently), so the error names the kind of run
    ``cyclekit {command}`` needs instead of a key or attribute that kind lacks. ``why`` ends
    the refusal, e.g. ``"which cannot label images"``.
    """
    import yaml

    run_dir = Path(run_dir)
    hint = "give a folder written by 'cyclekit train'"
    if not run_dir.exists():
        raise CyclekitError(f"'{run_dir}' is not a run directory (it does not exist); {hint}")
    if not run_dir.is_dir():
        raise CyclekitError(f"'{run_dir}' is not a run directory (it is a file); {hint}")
    path = run_dir / "config.yaml"
    if not path.is_file():
        raise CyclekitError(f"'{run_dir}' is not a run directory (no config.yaml in it); {hint}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ConfigError(f"run config '{path}' is unreadable ({reason}); the run folder is "
                          f"damaged, train it again into a new --out") from None
    method = raw.get("method") if isinstance(raw, dict) else None
    if not isinstance(method, str):
        raise ConfigError(f"run config '{path}' names no method; the run folder is damaged, "
                          f"train it again into a new --out")
    family = method_family(method)
    if families is not None and family not in families:
        kind = f"{family} run" if family else "run of a method outside cyclekit's families"
        raise RunKindError(f"'cyclekit {command}' needs {describe_kinds(families)}; "
                           f"'{run_dir}' is a {method} {kind}" + (f", {why}" if why else ""))
    if checkpoint and latest_checkpoint(run_dir / "checkpoints") is None:
        raise CheckpointError(f"run '{run_dir}' holds no checkpoint yet; train it first (or "
                              f"continue it with 'cyclekit train CONFIG --out {run_dir} --resume')")
    return method
