"""cyclekit: cyclic learning in PyTorch (Zou & Hao's framework and the methods built on it).

One subpackage per method family (translation, adaptation, latent, affinity, tracking); the
registry imports a family when one of its methods is asked for by name.
"""

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
