"""The shipped methods; importing this package registers them."""

from cyclekit.methods.cyclegan import CycleGAN
from cyclekit.methods.cyclegn import CycleGN

__all__ = ["CycleGAN", "CycleGN"]
