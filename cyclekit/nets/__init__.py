"""Networks: CycleGAN's ResNet generator and PatchGAN discriminator, a digit classifier, and weight init."""

from cyclekit.nets.digit_classifier import DigitClassifier
from cyclekit.nets.init import init_weights
from cyclekit.nets.norm import norm_layer
from cyclekit.nets.patch_discriminator import (
    PatchDiscriminator,
    n_layers_for_image_size,
    patch_output_size,
    patch_receptive_field,
)
from cyclekit.nets.resnet_generator import ResnetGenerator

__all__ = [
    "DigitClassifier",
    "PatchDiscriminator",
    "ResnetGenerator",
    "init_weights",
    "n_layers_for_image_size",
    "norm_layer",
    "patch_output_size",
    "patch_receptive_field",
]
