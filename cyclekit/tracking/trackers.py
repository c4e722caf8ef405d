"""Build a tracker from a baseline name (``ncc``) or a trained run directory.

Run directories are read through loaders registered per method name (the ``method`` of the
run's ``config.yaml``): ``@register_run_tracker("cycletrack")`` on a function
``(run_dir: Path, device: torch.device) -> Callable[[], Tracker]`` makes ``cyclekit track run
RUN_DIR`` work for it. Baselines run where they are written (NCC: numpy on the CPU).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
import yaml

from cyclekit.errors import ConfigError
from cyclekit.registry import get_method_class, list_methods
from cyclekit.tracking.ncc import NCCTracker
from cyclekit.tracking.tracker import Tracker

TrackerFactory = Callable[[], Tracker]

BASELINES: dict[str, TrackerFactory] = {"ncc": NCCTracker}
RUN_TRACKERS: dict[str, Callable[[Path, torch.device], TrackerFactory]] = {}


def register_run_tracker(method: str):
    """Decorator: ``loader(run_dir, device) -> tracker factory`` for runs of ``method``."""
    def _register(loader: Callable[[Path, torch.device], TrackerFactory],
                  ) -> Callable[[Path, torch.device], TrackerFactory]:
        RUN_TRACKERS[method] = loader
        return loader
    return _register


def tracker_factory(spec: str | Path, device: torch.device | str = "cpu") -> TrackerFactory:
    """A factory of fresh trackers for a baseline name or a run directory (its network on
    ``device``)."""
    if str(spec) in BASELINES:
        return BASELINES[str(spec)]
    run_dir = Path(spec)
    config_path = run_dir / "config.yaml"
    if not config_path.is_file():
        raise ConfigError(f"{spec!s} is neither a baseline ({', '.join(BASELINES)}) nor a run "
                          f"directory (no config.yaml in it)")
    method = (yaml.safe_load(config_path.read_text()) or {}).get("method")
    if method in list_methods():
        get_method_class(method)  # importing a method registers its run loader, if it has one
    if method not in RUN_TRACKERS:
        raise ConfigError(f"run directory {run_dir} was trained with method {method!r}, which "
                          f"has no tracker loader; trackers exist for: "
                          f"{', '.join(sorted(RUN_TRACKERS)) or 'none yet'}")
    return RUN_TRACKERS[method](run_dir, torch.device(device))
