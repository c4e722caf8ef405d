"""Unpaired image-to-image translation: CycleGAN (Zhu et al. 2017) and the GAN-free CycleGN
(Zou & Hao), their networks, evaluation and the ``translate`` command."""
