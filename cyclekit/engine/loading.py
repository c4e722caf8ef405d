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
from cyclekit.errors import CheckpointError, ConfigError, CyclekitError
from cyclekit.registry import get_method_class

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
