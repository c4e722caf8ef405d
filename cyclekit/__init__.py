"""cyclekit: cyclic learning in PyTorch (Zou & Hao's framework and the methods built on it).

Importing the package registers every shipped method (one subpackage per method family).
"""

from cyclekit import adaptation, affinity, latent, tracking, translation  # noqa: F401 (registers)
from cyclekit.config import ExperimentConfig, build_config, load_config
from cyclekit.engine.loading import create_method
from cyclekit.registry import list_methods, register_method

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
