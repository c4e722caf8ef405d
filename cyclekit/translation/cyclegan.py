"""CycleGAN (Zhu et al. 2017) as the joint case of cyclic learning (Zou & Hao).

    L = lambda ||g(f(x)) - x||_1 + L_LSGAN(f, D_Y) + lambda ||f(g(y)) - y||_1 + L_LSGAN(g, D_X)

ResNet generators, 70x70 PatchGAN critics, least-squares GAN, history buffer of 50,
lambda = 10, Adam(2e-4, beta1 = 0.5), learning rate constant then linearly decayed to 0.
Default strategy ``joint``; ``em`` trains the same objective by the dual EM iteration.
"""

from __future__ import annotations

from cyclekit.registry import register_method
from cyclekit.translation.method import ImageTranslation, TranslationModelConfig


@register_method
class CycleGAN(ImageTranslation):
    name = "cyclegan"
    model_config = TranslationModelConfig
    default_strategy = "joint"
    strategies = ("joint", "em")
