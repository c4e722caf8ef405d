"""cyclekit: cyclic learning in PyTorch (seed 000's framework and the methods built on it)."""

from cyclekit.config import ExperimentConfig, build_config, load_config
from cyclekit.core.registry import create_method, list_methods, register_method

__version__ = "0.1.0"
__all__ = [
           "ExperimentConfig",
           "__version__",
           "build_config",
           "create_method",
           "list_methods",
           "load_config",
           "register_method",
]
