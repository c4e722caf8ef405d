"""CDLM: cross-domain latent modulation for unsupervised domain adaptation (Hou, Deng, Ding &
Cranefield, "Variational Transfer Learning using Cross-Domain Latent Modulation").

A unified encoder E_phi gives, for an image, (mu, log sigma) = W h' + b and the deep
representation h = sigmoid(W_h h' + b_h), h' the flattened last convolution; one decoder
D_theta generates the *source* domain. The reparameterisation is modulated across domains
(``model.modulation``), pairing the i-th source with the i-th target image of a batch:

    full (Eq. 1-2)  z_st = mu_s + sigma_s * (g1 h_t + g2 eps),  z_ts = mu_t + sigma_t * (g1 h_s + g2 eps)
    pm1  (Eq. 11)   z_st = mu_s + (sigma_s + sigma_t) / 2 * eps, z_ts = mu_t + (sigma_s + sigma_t) / 2 * eps
    pm2  (Eq. 15)   z_st = mu_s + sigma_t * eps,                 z_ts = mu_t + sigma_s * eps

With X = source and Y = target, the cross-domain generation D(z_st) and the target's
source-like generation x~_ts = D(g1 h_t + g2 eps) play the roles of the two mappings of a
cycle; their consistency losses (Eq. 20) are

    L_c^s = |D(z_st) - D(g1 h_s + g2 eps)|^2 (weight beta1),  L_c^t = |D(z_ts) - D(g1 h_t + g2 eps)|^2 (beta2)

beside the source reconstruction L_Rec = |x_s - D(z_st)|^2 (Eq. 18; squared errors summed
over pixels, i.e. a unit-variance Gaussian log-likelihood up to constants). The prior-matching
terms are L_KL = KL(q(z_st) || N(0, I)) + KL(q(z_ts) || N(0, I)) (Eq. 18, exact for the
Gaussian of the modulated code given the partner's h or sigma) and L_adv, a two-layer domain
discriminator on h behind a gradient reversal layer (Eq. 19, Ganin's schedule for its
coefficient). A task classifier C on images is trained jointly on labelled source images and
on their generations x~_s = D(g1 h_s + g2 eps), and a linear classifier on h_s gives the
feature-level prediction; target images are classified as C(x~_ts) (Sec. 3.2.4).

The ``alternating`` strategy runs Algorithm 1: ``encoder_steps`` updates of the inference
model (player ``encoder``: E_phi, the discriminator, the feature classifier; SGD with
momentum) on L_adv + lambda1 L_KL + lambda2 L_Rec + task (Eq. 21), then ``decoder_steps``
updates of the generative model (player ``decoder``: D_theta and C; Adam) on
L_Rec + L_c + task (Eq. 22).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

import cyclekit.adaptation.cdlm_evaluation as cdlm_eval
from cyclekit.adaptation.cdlm_modulation import MODULATIONS, modulate
from cyclekit.adaptation.class_balance import marginal_balance_divergence
from cyclekit.adaptation.conv_decoder import ConvDecoder
from cyclekit.adaptation.domain_batch_norm import BATCH_NORMS, SOURCE, TARGET
from cyclekit.adaptation.domain_discriminator import DomainDiscriminator
from cyclekit.adaptation.gradient_reversal import reversal_coefficient
from cyclekit.adaptation.lenet import INPUT_NORMS, LeNetClassifier, LeNetTrunk
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
    renamed_from,
)
from cyclekit.registry import register_method

MIN_STD = 1e-6
CODES = ("vector", "spatial")


@dataclass
class CDLMModelConfig:
    """Paper values (Sec. 4): gamma1 = 1.0, gamma2 = 0.1, lambda1 = lambda2 = 1e-4,
    beta1 = 0.1, beta2 = 0.01 (``weight_consistency_source`` / ``weight_consistency_target``, the
    weights of L_c^s and L_c^t; ``beta1`` / ``beta2`` before, still read). ``train.lr`` is the encoder's SGD rate; the decoder's Adam has
    its own. ``weight_feature_task`` / ``weight_image_task`` weigh the two source
    cross-entropies (the paper leaves them open). ``classify_generations`` also trains the
    task classifier on the generations x~_s, whose cross-entropy then reaches the encoder and
    decoder; off, it sees real source images only and D(g1 h + g2 eps) is shaped by L_c alone
    (the paper's "jointly learned" classifier allows both readings). ``code``: ``vector``
    codes of ``latent_dim`` values, or ``spatial`` codes of ``code_channels`` maps at a quarter
    of the image size (UNIT's convolutional latent; W, W_h are then 1x1 convolutions on the
    trunk's unstrided last map and the decoder starts with a conv3x3), flattened wherever a
    vector is needed (the discriminator, the feature classifier, the KL). ``input_norm:
    instance`` standardises each image per channel at the input of the encoder and of the task
    classifier (:class:`~cyclekit.adaptation.lenet.LeNetTrunk`); the decoder still generates images
    on the data's scale. ``batch_norm: per_domain`` gives the encoder's trunk one set of
    batch-norm statistics per domain (:mod:`cyclekit.adaptation.domain_batch_norm`) instead of
    normalising the concatenated source + target batch. ``weight_target_entropy`` (beyond the
    paper; 0 = off) adds the mean entropy of both target predictions, the feature classifier's
    on h_t and the task classifier's on x~_ts, to the encoder's loss: the conditional entropy
    term of VADA (Shu et al. 2018), the cluster assumption on the target.
    ``weight_target_vat`` (beyond the paper; 0 = off) adds VADA's other target term, virtual
    adversarial training of the feature classifier on h_t within ``vat_radius`` of each target
    image (:mod:`cyclekit.adaptation.virtual_adversarial`). ``weight_target_balance`` (beyond the
    paper; 0 = off) adds the class balance of both target predictions, KL(batch-mean prediction
    || uniform) (:mod:`cyclekit.adaptation.class_balance`): with the entropy at the same weight,
    information maximisation, which keeps whole target clusters from joining a wrong class."""

    modulation: str = "full"
    gamma1: float = 1.0
    gamma2: float = 0.1
    lambda1: float = 1e-4
    lambda2: float = 1e-4
    weight_consistency_source: float = field(default=0.1, metadata=renamed_from("beta1"))
    weight_consistency_target: float = field(default=0.01, metadata=renamed_from("beta2"))
    weight_adversarial: float = 1.0
    weight_feature_task: float = 1.0
    weight_image_task: float = 1.0
    latent_dim: int = 64
    width: int = 16
    decoder_width: int = 16
    classifier_width: int = 16
    classifier_feature_dim: int = 128
    discriminator_hidden: int = 256
    reversal_gamma: float = 10.0
    momentum: float = 0.9
    weight_decay: float = 5e-4
    decoder_lr: float = 2e-4
    decoder_beta1: float = 0.5
    decoder_beta2: float = 0.999
    encoder_steps: int = 1
    decoder_steps: int = 1
    classify_generations: bool = field(default=True, metadata=ADDED_LATER)
    code: str = field(default="vector", metadata=ADDED_LATER)
    code_channels: int = field(default=8, metadata=ADDED_LATER)
    input_norm: str = field(default="none", metadata=ADDED_LATER)
    batch_norm: str = field(default="shared", metadata=ADDED_LATER)
    weight_target_entropy: float = field(default=0.0, metadata=ADDED_LATER)
    weight_target_vat: float = field(default=0.0, metadata=ADDED_LATER)
    vat_radius: float = field(default=3.5, metadata=ADDED_LATER)
    weight_target_balance: float = field(default=0.0, metadata=ADDED_LATER)

    def validate(self) -> None:
        check_choice("model.modulation", self.modulation, MODULATIONS)
        check_choice("model.code", self.code, CODES)
        check_choice("model.input_norm", self.input_norm, INPUT_NORMS)
        check_choice("model.batch_norm", self.batch_norm, BATCH_NORMS)
        for key in ("latent_dim", "width", "decoder_width", "classifier_width",
                    "classifier_feature_dim", "discriminator_hidden", "decoder_lr", "code_channels",
                    "encoder_steps", "decoder_steps", "vat_radius"):
            check_positive(f"model.{key}", getattr(self, key))
        for key in ("gamma1", "gamma2", "lambda1", "lambda2",
                    "weight_consistency_source", "weight_consistency_target",
                    "weight_adversarial", "weight_feature_task", "weight_image_task",
                    "reversal_gamma", "momentum", "weight_decay", "decoder_beta1",
                    "decoder_beta2", "weight_target_entropy", "weight_target_vat",
                    "weight_target_balance"):
            check_non_negative(f"model.{key}", getattr(self, key))


def gaussian_kl(mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, std^2) || N(0, I)) summed over dimensions, averaged over the batch."""
    std = std.clamp_min(MIN_STD)
    return (0.5 * (mean ** 2 + std ** 2 - 1.0) - std.log()).sum(dim=1).mean()


def squared_error(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Squared error summed over pixels, averaged over the batch."""
    return ((a - b) ** 2).flatten(1).sum(dim=1).mean()


class Encoder(nn.Module):
    """E_phi: LeNet trunk h', then mu, log sigma and h = sigmoid(W_h h' + b_h).

    With ``code_channels`` the code is convolutional: the trunk keeps its (4w, s, s) map, W and
    W_h are 1x1 convolutions to ``code_channels`` maps, and the codes are flattened.
    ``code_size`` is the length of mu, sigma and h. ``domain`` picks the trunk's batch-norm
    statistics when they are kept per domain (``batch_norm="per_domain"``).
    """

    def __init__(self, channels: int, image_size: int, latent_dim: int, width: int,
                 code_channels: int | None = None, input_norm: str = "none",
                 batch_norm: str = "shared"):
        super().__init__()
        spatial = code_channels is not None
        self.trunk = LeNetTrunk(channels, image_size, width, spatial=spatial,
                                input_norm=input_norm, batch_norm=batch_norm)
        if spatial:
            side = self.trunk.out_shape[1]
            self.code_size = code_channels * side * side
        else:
            self.code_size = latent_dim

        def head() -> nn.Module:
            if spatial:
                return nn.Sequential(nn.Conv2d(self.trunk.out_shape[0], code_channels, 1),
                                     nn.Flatten())
            return nn.Linear(self.trunk.out_features, latent_dim)

        self.mu, self.log_sigma, self.h = head(), head(), head()

    def forward(self, images: torch.Tensor, domain: int = SOURCE,
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self._codes(self.trunk(images, domain))

    def forward_domains(self, source: torch.Tensor, target: torch.Tensor,
                        ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """mu, sigma, h of source then target images (``LeNetTrunk.forward_domains``)."""
        return self._codes(self.trunk.forward_domains(source, target))

    def _codes(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return (self.mu(features), self.log_sigma(features).exp(),
                torch.sigmoid(self.h(features)))


@register_method
class CDLM(UDAMethod):
    name = "cdlm"
    model_config = CDLMModelConfig

    def __init__(self, config):
        super().__init__(config)
        model, data = config.model, config.data
        code_channels = model.code_channels if model.code == "spatial" else None
        self.encoder = Encoder(data.channels, data.image_size, model.latent_dim, model.width,
                               code_channels, model.input_norm, model.batch_norm)
        code_size = self.encoder.code_size
        self.decoder = ConvDecoder(code_size, data.channels, data.image_size,
                                   model.decoder_width, code_channels=code_channels)
        self.discriminator = DomainDiscriminator(code_size, model.discriminator_hidden)
        self.feature_classifier = nn.Linear(code_size, data.num_classes)
        self.classifier = LeNetClassifier(data.channels, data.image_size, data.num_classes,
                                          width=model.classifier_width,
                                          feature_dim=model.classifier_feature_dim,
                                          input_norm=model.input_norm)
        # One fixed draw of eps for inference, shared by every image: a prediction never
        # depends on which other images are in the batch (the paper keeps eps in evaluation).
        self.register_buffer("inference_noise", torch.randn(
            code_size, generator=torch.Generator().manual_seed(cdlm_eval.NOISE_SEED)))

    def encode_pair(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        """h_s, h_t and the modulated codes' means and stds, source and target in one pass
        (pairing the i-th source with the i-th target image)."""
        model, count = self.config.model, len(x)
        mu, sigma, h = self.encoder.forward_domains(x, y)
        mu_s, mu_t, sigma_s, sigma_t, h_s, h_t = (*mu.split(count), *sigma.split(count),
                                                  *h.split(count))
        mean_st, std_st = modulate(model.modulation, mu_s, sigma_s, sigma_t, h_t, model.gamma1,
                                   model.gamma2)
        mean_ts, std_ts = modulate(model.modulation, mu_t, sigma_t, sigma_s, h_s, model.gamma1,
                                   model.gamma2)
        return {"h_s": h_s, "h_t": h_t, "mean_st": mean_st, "std_st": std_st,
                "mean_ts": mean_ts, "std_ts": std_ts}

    # The alternating strategy (Algorithm 1).
    def update_schedule(self):
        model = self.config.model
        return [("encoder", model.encoder_steps), ("decoder", model.decoder_steps)]

    def player_losses(self, batch, player, step):
        if player == "encoder":
            return self.encoder_losses(batch, step)
        return self.decoder_losses(batch)

    def encoder_losses(self, batch, step) -> dict[str, torch.Tensor]:
        """Eq. 21: L_adv + lambda1 L_KL + lambda2 L_Rec, plus the source task losses through
        h_s (the feature classifier, and the task classifier on x~_s when
        ``classify_generations``); with ``weight_target_entropy``, the entropy of both target
        predictions; with ``weight_target_balance``, their class balance; with
        ``weight_target_vat``, virtual adversarial training of the feature classifier on the
        target images."""
        model = self.config.model
        x, labels = batch["x"], batch["x_labels"]
        codes = self.encode_pair(x, batch["y"])
        z_st = codes["mean_st"] + codes["std_st"] * torch.randn_like(codes["mean_st"])
        codes_to_decode = [z_st]
        if model.classify_generations:
            codes_to_decode.append(self._generation_code(codes["h_s"]))
        predicts_target = model.weight_target_entropy or model.weight_target_balance
        if predicts_target:
            codes_to_decode.append(self._generation_code(codes["h_t"]))
        x_st, *generations = self.decoder(torch.cat(codes_to_decode)).split(len(x))
        x_tilde_s = generations[:1] if model.classify_generations else []
        coefficient = reversal_coefficient(self.progress(step), model.reversal_gamma)
        losses = {
            "adversarial": model.weight_adversarial * self.discriminator.adversarial_loss(
                codes["h_s"], codes["h_t"], coefficient),
            "kl": model.lambda1 * (gaussian_kl(codes["mean_st"], codes["std_st"])
                                   + gaussian_kl(codes["mean_ts"], codes["std_ts"])),
            "reconstruction": model.lambda2 * squared_error(x, x_st),
            "feature_task": model.weight_feature_task * F.cross_entropy(
                self.feature_classifier(codes["h_s"]), labels)}
        if x_tilde_s:
            losses["image_task"] = model.weight_image_task * F.cross_entropy(
                self.classifier(x_tilde_s[0]), labels)
        if predicts_target:
            target_logits = (self.feature_classifier(codes["h_t"]),
                             self.classifier(generations[-1]))
        if model.weight_target_entropy:
            losses["target_entropy"] = model.weight_target_entropy * sum(
                prediction_entropy(logits) for logits in target_logits)
        if model.weight_target_balance:
            losses["target_balance"] = model.weight_target_balance * sum(
                marginal_balance_divergence(logits) for logits in target_logits)
        if model.weight_target_vat:
            with frozen_batch_norm_statistics(self.encoder):
                losses["target_vat"] = model.weight_target_vat * virtual_adversarial_loss(
                    self.classify_features, batch["y"], model.vat_radius)
        return losses

    def decoder_losses(self, batch) -> dict[str, torch.Tensor]:
        """Eq. 22: L_Rec + beta1 L_c^s + beta2 L_c^t, plus the task classifier on real source
        images and (when ``classify_generations``) their generations x~_s. The encoder is fixed
        here (no gradient)."""
        model = self.config.model
        x, labels = batch["x"], batch["x_labels"]
        with torch.no_grad():
            codes = self.encode_pair(x, batch["y"])
        z_st = codes["mean_st"] + codes["std_st"] * torch.randn_like(codes["mean_st"])
        z_ts = codes["mean_ts"] + codes["std_ts"] * torch.randn_like(codes["mean_ts"])
        x_st, x_ts, x_tilde_s, x_tilde_ts = self.decoder(torch.cat([
            z_st, z_ts, self._generation_code(codes["h_s"]),
            self._generation_code(codes["h_t"])])).split(len(x))
        classified = [x, x_tilde_s] if model.classify_generations else [x]
        logits = self.classifier(torch.cat(classified))
        return {"reconstruction": squared_error(x, x_st),
                "consistency_s": model.weight_consistency_source * squared_error(x_st, x_tilde_s),
                "consistency_t": model.weight_consistency_target * squared_error(x_ts, x_tilde_ts),
                "image_task": model.weight_image_task * F.cross_entropy(
                    logits, labels.repeat(len(classified)))}

    def _generation_code(self, h: torch.Tensor, noise: torch.Tensor | None = None,
                         ) -> torch.Tensor:
        """g1 h + g2 eps, the input of the generations x~ (fresh eps unless given)."""
        model = self.config.model
        noise = torch.randn_like(h) if noise is None else noise
        return model.gamma1 * h + model.gamma2 * noise

    def player_params(self):
        encoder = [*self.encoder.parameters(), *self.discriminator.parameters(),
                   *self.feature_classifier.parameters()]
        return {"encoder": encoder,
                "decoder": [*self.decoder.parameters(), *self.classifier.parameters()]}

    def make_optimizer(self, player, params, train):
        model = self.config.model
        if player == "encoder":
            return torch.optim.SGD(params, lr=train.lr, momentum=model.momentum,
                                   weight_decay=model.weight_decay)
        return torch.optim.Adam(params, lr=model.decoder_lr,
                                betas=(model.decoder_beta1, model.decoder_beta2))

    # Inference views (fixed eps; see ``inference_noise``).
    def source_like(self, images: torch.Tensor, domain: int = TARGET) -> torch.Tensor:
        """x~_ts = D(g1 h_t + g2 eps) of target images (Sec. 3.2.4); x~_s of source images."""
        h = self.encoder(images, domain)[2]
        return self.decoder(self._generation_code(h, self.inference_noise.expand_as(h)))

    def features(self, images, domain=TARGET):
        return self.encoder(images, domain)[2]

    def classify(self, images, domain=TARGET):
        return self.classifier(self.source_like(images, domain))

    def classify_features(self, images, domain=TARGET):
        return self.feature_classifier(self.features(images, domain))

    def sample_rows(self, data, count, device):
        return cdlm_eval.sample_rows(self, data, count, device)

    def extra_metrics(self, data, device):
        return cdlm_eval.generation_quality(self, data, device)
