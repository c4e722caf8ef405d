"""CycleGN (Zou & Hao): GAN-free cyclic translation trained by the dual EM iteration.

    E: y_hat = f(x) (frozen)   M: update g on ||g(y_hat) - x||_1
    E: x_hat = g(y) (frozen)   M: update f on ||f(x_hat) - y||_1

The same generators as CycleGAN and no critics (D_sim = 0): the targets of every update
are real images of the output domain, which is what pulls each mapping onto its domain.
Default strategy ``em``; ``joint`` trains the same terms in one step.
"""

from __future__ import annotations

from dataclasses import dataclass

from cyclekit.registry import register_method
from cyclekit.translation.method import ImageTranslation, TranslationModelConfig


@dataclass
class CycleGNModelConfig(TranslationModelConfig):
    """CycleGAN's networks without the GAN terms."""

    weight_gan: float = 0.0


@register_method
class CycleGN(ImageTranslation):
    name = "cyclegn"
    model_config = CycleGNModelConfig
    default_strategy = "em"
    strategies = ("em", "joint")
