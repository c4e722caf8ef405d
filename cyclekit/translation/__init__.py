"""Unpaired image-to-image translation: CycleGAN (Zhu et al. 2017) and the GAN-free CycleGN
(Zou & Hao), their networks, evaluation and the ``translate`` command. Importing this package
registers both methods."""

from cyclekit.translation.cyclegan import CycleGAN
from cyclekit.translation.cyclegn import CycleGN

__all__ = ["CycleGAN", "CycleGN"]
