"""Unpaired image translation on the cyclic framework: the parts CycleGAN and CycleGN share.

Two ResNet generators f: X -> Y and g: Y -> X (Johnson et al. 2016, as in CycleGAN,
Zhu et al. 2017); cycle distances D_cyc^X, D_cyc^Y (L1, weight lambda = 10); optionally two
least-squares GAN terms D_sim with 70x70 PatchGAN critics (scaled to small images) and image
history buffers, and the identity loss ``lambda_identity * lambda * |g(x) - x|`` (and
``|f(y) - y|``) of CycleGAN's Sec. 5.2. Which terms are on is configuration, so the
ablations of the CycleGAN paper (cycle only, GAN only, GAN + one cycle) are presets.
"""

from __future__ import annotations

from dataclasses import dataclass

import cyclekit.translation.evaluation as translation_eval
from cyclekit.config import check_choice, check_non_negative, check_positive
from cyclekit.cyclic.method import CyclicMethod
from cyclekit.cyclic.objective import CycleObjective
from cyclekit.cyclic.prior_matching import LeastSquaresGAN
from cyclekit.nets.init import init_weights
from cyclekit.translation.patch_discriminator import (
    PatchDiscriminator,
    n_layers_for_image_size,
)
from cyclekit.translation.resnet_generator import ResnetGenerator


@dataclass
class TranslationModelConfig:
    """Networks and loss weights of an image-translation method (CycleGAN defaults)."""

    generator_channels: int = 64
    generator_blocks: int = 6
    norm: str = "instance"
    discriminator_channels: int = 64
    discriminator_layers: int | None = None
    cycle_distance: str = "l1"
    lambda_cycle: float = 10.0
    weight_cycle_x: float = 1.0
    weight_cycle_y: float = 1.0
    weight_gan: float = 1.0
    lambda_identity: float = 0.0
    history_size: int = 50
    init_gain: float = 0.02

    def validate(self) -> None:
        for key in ("generator_channels", "discriminator_channels"):
            check_positive(f"model.{key}", getattr(self, key))
        check_choice("model.norm", self.norm, ("instance", "batch", "none"))
        for key in ("generator_blocks", "history_size", "lambda_cycle", "weight_cycle_x",
                    "weight_cycle_y", "weight_gan", "lambda_identity", "init_gain"):
            check_non_negative(f"model.{key}", getattr(self, key))


class ImageTranslation(CyclicMethod):
    """Base of the translation methods; subclasses only choose defaults and strategies."""

    checkpoint_rules = ("last", "best_val_cycle")

    def __init__(self, config):
        super().__init__(config)
        model, channels = config.model, config.data.channels

        def generator():
            return ResnetGenerator(channels, channels, base_channels=model.generator_channels,
                                   n_blocks=model.generator_blocks, norm=model.norm)

        self.f, self.g = generator(), generator()
        sim_x = sim_y = None
        if model.weight_gan > 0:
            layers = model.discriminator_layers or n_layers_for_image_size(config.data.image_size)

            def critic(offset: int) -> LeastSquaresGAN:
                discriminator = PatchDiscriminator(channels, base_channels=model.discriminator_channels,
                                                   n_layers=layers, norm=model.norm)
                return LeastSquaresGAN(discriminator, model.history_size, seed=config.seed + offset)

            sim_x, sim_y = critic(1), critic(2)  # sim_x judges f(x) against Y; sim_y g(y) against X
        self.objective = CycleObjective(
            cycle_x=model.cycle_distance, cycle_y=model.cycle_distance,
            weight_cycle_x=model.lambda_cycle * model.weight_cycle_x,
            weight_cycle_y=model.lambda_cycle * model.weight_cycle_y,
            sim_x=sim_x, sim_y=sim_y, weight_sim_x=model.weight_gan, weight_sim_y=model.weight_gan)
        init_weights(self, "normal", gain=model.init_gain)

    def regularisers(self, batch, players):
        """CycleGAN's identity loss: a mapping fed an image of its own output domain keeps it."""
        weight = self.config.model.lambda_identity * self.config.model.lambda_cycle
        if weight == 0:
            return {}
        losses = {}
        if "f" in players:
            losses["identity_f"] = weight * self.objective.distance_y(batch["y"], self.f(batch["y"]))
        if "g" in players:
            losses["identity_g"] = weight * self.objective.distance_x(batch["x"], self.g(batch["x"]))
        return losses

    def validation_losses(self, pair, device):
        return translation_eval.validation_losses(self, pair, device)

    def sample_rows(self, pair, count, device):
        return translation_eval.sample_rows(self, pair, count, device)

    def evaluate(self, pair, *, cache_dir, device, progress=False):
        data = self.config.data
        key = (f"{data.image_size}px-{data.channels}ch-n{data.limit_train}-v{data.val_size}"
               f"-e{self.config.eval.judge_epochs}-s{self.config.seed}")
        return translation_eval.evaluate_translation(
            self, pair, eval_config=self.config.eval, cache_dir=cache_dir, device=device,
            judge_key=key, progress=progress, data=data, seed=self.config.seed)
