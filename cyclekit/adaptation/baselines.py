"""The baselines of Hou et al.'s Table 2 in the same harness, backbone and budget as CDLM.

* ``source_only``: a :class:`~cyclekit.adaptation.lenet.LeNetClassifier` trained on labelled source
  images, applied to the target (the lower bound).
* ``target_only``: the same network trained on labelled *target* images (the upper bound; by
  definition it reads the target training labels).
* ``dann``: Ganin et al. (2016): the classifier's features also feed a domain discriminator
  behind a gradient reversal layer with lambda_p = 2 / (1 + exp(-10 p)) - 1; with
  ``train.lr_schedule: dann`` the learning rate anneals as mu_0 / (1 + 10 p)^0.75. With
  ``model.weight_target_entropy`` / ``weight_target_vat`` (beyond Hou et al.; off by default) it
  becomes VADA (Shu et al. 2018) without its source-side VAT: DANN plus the conditional
  entropy and virtual adversarial training of the target predictions.

All three train one player, ``network`` (SGD with momentum), with the alternating strategy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import torch
import torch.nn.functional as F

from cyclekit.adaptation.domain_batch_norm import BATCH_NORMS, TARGET
from cyclekit.adaptation.domain_discriminator import DomainDiscriminator
from cyclekit.adaptation.gradient_reversal import reversal_coefficient
from cyclekit.adaptation.lenet import FEATURE_ACTIVATIONS, INPUT_NORMS, LeNetClassifier
from cyclekit.adaptation.method import UDAMethod
from cyclekit.adaptation.virtual_adversarial import (
    frozen_batch_norm_statistics,
    prediction_entropy,
    virtual_adversarial_loss,
)
from cyclekit.config import (
    ADDED_LATER,
    check_choice,
    check_non_negative,
    check_positive,
)
from cyclekit.registry import register_method


@dataclass
class ClassifierModelConfig:
    """LeNet backbone widths and the SGD settings (``train.lr`` is mu_0).
    ``feature_activation``: ``relu`` (the default; the bounds' presets), ``sigmoid`` (the DANN
    presets, chosen on a development task: benchmarks/results/uda_dann_feature_layer), which with ``feature_dim: 64`` gives
    the features CDLM's encoder has, h = sigmoid(W_h h' + b_h), or ``tanh`` (bounded and
    zero-centred, screened against the sigmoid). ``input_norm: instance`` standardises each
    input image per channel before the trunk (:class:`~cyclekit.adaptation.lenet.LeNetTrunk`)."""

    width: int = 16
    feature_dim: int = 128
    dropout: float = 0.0
    momentum: float = 0.9
    weight_decay: float = 5e-4
    feature_activation: str = field(default="relu", metadata=ADDED_LATER)
    input_norm: str = field(default="none", metadata=ADDED_LATER)
    # Per-domain statistics need target images in training: an option of DANN only.
    batch_norm: ClassVar[str] = "shared"

    def validate(self) -> None:
        check_choice("model.feature_activation", self.feature_activation,
                     tuple(FEATURE_ACTIVATIONS))
        check_choice("model.input_norm", self.input_norm, INPUT_NORMS)
        for key in ("width", "feature_dim"):
            check_positive(f"model.{key}", getattr(self, key))
        for key in ("dropout", "momentum", "weight_decay"):
            check_non_negative(f"model.{key}", getattr(self, key))


@dataclass
class DANNModelConfig(ClassifierModelConfig):
    """Plus the domain discriminator (two layers) and the reversal schedule's gamma (10).
    ``batch_norm: per_domain`` keeps one set of batch-norm statistics per domain in the trunk
    (:mod:`cyclekit.adaptation.domain_batch_norm`) instead of normalising the concatenated batch.
    ``weight_target_entropy`` and ``weight_target_vat`` (0 = off) add VADA's target terms, the
    mean entropy of the target predictions and virtual adversarial training within
    ``vat_radius`` of each target image, as CDLM's options of the same names do."""

    discriminator_hidden: int = 256
    weight_adversarial: float = 1.0
    reversal_gamma: float = 10.0
    batch_norm: str = field(default="shared", metadata=ADDED_LATER)
    weight_target_entropy: float = field(default=0.0, metadata=ADDED_LATER)
    weight_target_vat: float = field(default=0.0, metadata=ADDED_LATER)
    vat_radius: float = field(default=3.5, metadata=ADDED_LATER)

    def validate(self) -> None:
        super().validate()
        check_choice("model.batch_norm", self.batch_norm, BATCH_NORMS)
        check_positive("model.discriminator_hidden", self.discriminator_hidden)
        check_non_negative("model.weight_adversarial", self.weight_adversarial)
        check_positive("model.vat_radius", self.vat_radius)
        for key in ("reversal_gamma", "weight_target_entropy", "weight_target_vat"):
            check_non_negative(f"model.{key}", getattr(self, key))


class ClassifierBaseline(UDAMethod):
    """One LeNet classifier, trained on the labelled domain's batches."""

    model_config = ClassifierModelConfig

    def __init__(self, config):
        super().__init__(config)
        model, data = config.model, config.data
        self.network = LeNetClassifier(data.channels, data.image_size, data.num_classes,
                                       width=model.width, feature_dim=model.feature_dim,
                                       dropout=model.dropout,
                                       activation=model.feature_activation,
                                       input_norm=model.input_norm,
                                       batch_norm=model.batch_norm)

    def features(self, images, domain=TARGET):
        return self.network.features(images, domain)

    def classify(self, images, domain=TARGET):
        return self.network(images, domain)

    def update_schedule(self):
        return [("network", 1)]

    def player_losses(self, batch, player, step):
        key = self.labelled_domain
        return {"task": F.cross_entropy(self.network(batch[key], self.labelled_index),
                                        batch[f"{key}_labels"])}

    def player_params(self):
        return {"network": list(self.parameters())}

    def make_optimizer(self, player, params, train):
        model = self.config.model
        return torch.optim.SGD(params, lr=train.lr, momentum=model.momentum,
                               weight_decay=model.weight_decay)


@register_method
class SourceOnly(ClassifierBaseline):
    name = "source_only"


@register_method
class TargetOnly(ClassifierBaseline):
    name = "target_only"
    labelled_domain = "y"


@register_method
class DANN(ClassifierBaseline):
    name = "dann"
    model_config = DANNModelConfig

    def __init__(self, config):
        super().__init__(config)
        model = config.model
        self.discriminator = DomainDiscriminator(model.feature_dim, model.discriminator_hidden)

    def player_losses(self, batch, player, step):
        """Ganin's task + reversed adversarial loss; with VADA's target terms, their weighted
        entropy and virtual adversarial loss of the target predictions (the perturbed passes
        leave the batch-norm running statistics alone)."""
        model, count = self.config.model, len(batch["x"])
        features = self.network.features_domains(batch["x"], batch["y"])
        coefficient = reversal_coefficient(self.progress(step), model.reversal_gamma)
        adversarial = self.discriminator.adversarial_loss(features[:count], features[count:],
                                                          coefficient)
        losses = {"task": F.cross_entropy(self.network.head(features[:count]), batch["x_labels"]),
                  "adversarial": model.weight_adversarial * adversarial}
        if model.weight_target_entropy:
            losses["target_entropy"] = model.weight_target_entropy * prediction_entropy(
                self.network.head(features[count:]))
        if model.weight_target_vat:
            with frozen_batch_norm_statistics(self.network):
                losses["target_vat"] = model.weight_target_vat * virtual_adversarial_loss(
                    self.classify, batch["y"], model.vat_radius)
        return losses
