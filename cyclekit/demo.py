"""``cyclekit demo``: a few minutes of unpaired translation on data a pip package ships.

X = scikit-learn's 8x8 digits, Y = the same digits blended over colour patches of
scikit-learn's sample photos (MNIST-M recipe), both at 32 px RGB. No data directory needed.
"""

from __future__ import annotations

from pathlib import Path

from cyclekit.config import ExperimentConfig, build_config
from cyclekit.engine.trainer import train

DEMO_SETTINGS = {
    # short EM phases: many alternations fit in a few hundred steps
    "strategy": {"check_every": 10, "min_inner_steps": 20, "max_inner_steps": 100},
    "data": {"x": "digits", "y": "digits_m", "image_size": 32, "channels": 3, "val_size": 128},
    "model": {"generator_channels": 32, "generator_blocks": 4, "discriminator_channels": 32},
    "train": {"steps": 600, "batch_size": 16, "log_every": 20, "eval_every": 200,
              "sample_every": 200, "checkpoint_every": 200},
    "eval": {"judge_epochs": 20},
}


def demo_config(method: str, overrides: list[str] | None = None) -> ExperimentConfig:
    """The demo's experiment for ``method`` with its default strategy."""
    return build_config({"method": method, **DEMO_SETTINGS}, overrides)


def run_demo(methods: list[str], out: Path, overrides: list[str] | None = None,
             progress: bool = True) -> dict[str, dict[str, float]]:

    results = {}
    for method in methods:
        config = demo_config(method, overrides)
        results[method] = train(config, out / method, progress=progress)
    return results
