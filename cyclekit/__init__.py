"""cyclekit: cyclic learning in PyTorch (Zou & Hao's framework and the methods built on it).

One subpackage per method family (translation, adaptation, latent, affinity, tracking); the
registry imports a family when one of its methods is asked for by name. Importing this
package loads no PyTorch: the functions below import what they need when called, so the
command line answers ``--help`` at once.
"""

from cyclekit.config import ExperimentConfig, build_config, load_config
from cyclekit.registry import list_methods, register_method

__version__ = "0.1.0"
__all__ = [
           "ExperimentConfig",
           "__version__",
           "build_config",
           "create_method",
           "list_methods",
           "load",
           "load_config",
           "register_method",
           "train",
]


def create_method(name, config=None):
    """A registered method built from an experiment config (or a partial mapping of one):
    see :func:`cyclekit.engine.loading.create_method`."""
    from cyclekit.engine.loading import create_method as build

    return build(name, config)


def load(run_dir, device="cpu", checkpoint=None):
    """A finished run (or the tracking baseline ``"ncc"``) as an object for its kind, with
    ``translate``, ``predict``, ``embed``, ``track`` or ``encode`` / ``decode``: see
    :func:`cyclekit.api.load` and docs/python_api.md."""
    from cyclekit.api import load as load_run

    return load_run(run_dir, device=device, checkpoint=checkpoint)


def train(config_or_path, out, *, resume=False, progress=True, **overrides):
    """Train a run into ``out`` from a YAML path, a mapping or an ExperimentConfig, with
    overrides such as ``train__steps=200``; returns the test metrics. See
    :func:`cyclekit.api.train` (the training loop is imported when this is called)."""
    from cyclekit.api import train as train_run

    return train_run(config_or_path, out, resume=resume, progress=progress, **overrides)
