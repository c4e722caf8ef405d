"""Implicit latent variable models (Tiao et al. 2018): SJMVI, and the VAE and AVB baselines.

The cyclic framework (Zou & Hao) with X = images and Y = latent codes z:

* ``f`` = encoder G_phi(eps; x), z ~ q_phi(z|x) (Eq. 4); ``g`` = decoder F_theta(xi; z),
  x ~ p_theta(x|z) (Eq. 3); the prior p*(z) is given by samples only (Eq. 2).
* ``cycle_x`` = NELL = E_q*(x) q(z|x)[-log p(x|z)] (Eq. 9); ``cycle_y`` = NELP =
  E_p*(z) p(x|z)[-log q(z|x)] (Eq. 12), Gaussian NLLs that become the l2 cycle losses of
  CycleGAN as the variances go to 0 (Eq. 18-19).
* ``sim_x`` = E_q*(x) KL[q(z|x) || p*(z)] and ``sim_y`` = E_p*(z) KL[p(x|z) || q*(x)],
  estimated by log-ratio critics r_alpha(z; x), r_beta(x; z) trained on the KL bound
  (Eq. 17) or the GAN bound (Eq. 22) (:mod:`cyclekit.latent.density_ratio`).

The joint strategy then minimises the symmetric KL between the joints (Eq. 6): reverse half
(NELBO, Eq. 9) plus forward half (NAPLBO, Eq. 12). The VAE and AVB keep the reverse half:
the VAE with the exact KL (the prior's density, Monte Carlo), AVB with an implicit posterior
(noise injected into the encoder) and an adversary T(x, z) ~ log q(z|x) - log p(z) trained
by the logistic loss (Mescheder et al. 2017).

The noise inputs eps and xi of G_phi(eps; x) and F_theta(xi; z) come with the batch (drawn by
the batcher, so training is deterministic and resumable). Mapping observed data (the batch's
own ``x`` or ``y``) draws from the conditional with that noise; mapping anything else (the
other mapping's output in the second leg of a cycle, or data outside training) returns the
conditional's mean, which is what the Gaussian NLL of the cycle term is evaluated at.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

import cyclekit.latent.evaluation as ilvm_eval
from cyclekit.config import check_choice, check_non_negative, check_positive
from cyclekit.cyclic.method import CyclicMethod
from cyclekit.cyclic.objective import CycleObjective
from cyclekit.data.domain import list_domains
from cyclekit.data.pair import DomainSplits, _load_splits
from cyclekit.errors import ConfigError
from cyclekit.latent.density_ratio import AnalyticKL, GANBound, KLBound, LogRatioCritic
from cyclekit.latent.gaussian_mlp import GaussianMLP, NoisyMLP
from cyclekit.latent.image_prior_batcher import ImagePriorBatcher
from cyclekit.latent.prior_sampler import (
    PRIORS,
    NamedPrior,
    PriorSampler,
    get_prior,
    prior_collection,
)
from cyclekit.registry import register_method


@dataclass
class ILVMDataConfig:
    """Images (``x``) and an implicit prior over latent codes given by ``prior_samples`` draws
    (the finite collection Z* of Eq. 2; None: a fresh draw every batch)."""

    x: str = "mnist"
    image_size: int = 28
    channels: int = 1
    prior: str = "banana"
    prior_samples: int | None = 10000
    data_dir: str | None = None
    limit_train: int | None = None
    limit_test: int | None = None
    val_size: int = 1000

    def validate(self) -> None:
        check_choice("data.x", self.x, tuple(list_domains()))
        check_choice("data.prior", self.prior, tuple(PRIORS))
        check_choice("data.channels", self.channels, (1, 3))
        check_positive("data.image_size", self.image_size)
        for key in ("limit_train", "limit_test", "prior_samples"):
            value = getattr(self, key)
            if value is not None:
                check_positive(f"data.{key}", value)
        check_non_negative("data.val_size", self.val_size)


@dataclass
class ILVMModelConfig:
    """What every ILVM shares: MLP encoder/decoder, Gaussian likelihood N(mu(z), tau^2 I)."""

    latent_dim: int = 2
    hidden: int = 512
    depth: int = 2
    likelihood_std: float = 1.0
    learn_likelihood_std: bool = False
    weight_cycle_x: float = 1.0
    weight_sim_x: float = 1.0

    def validate(self) -> None:
        for key in ("latent_dim", "hidden", "depth"):
            check_positive(f"model.{key}", getattr(self, key))
        for key in ("likelihood_std", "weight_cycle_x", "weight_sim_x"):
            check_non_negative(f"model.{key}", getattr(self, key))
        if self.learn_likelihood_std and self.likelihood_std == 0:
            raise ConfigError("model.learn_likelihood_std needs model.likelihood_std > 0 "
                              "(its initial value)")


@dataclass
class SJMVIModelConfig(ILVMModelConfig):
    """SJMVI: Gaussian posterior N(m(x), t^2 I), both halves, log-ratio critics on a bound."""

    posterior_std: float = 0.1
    learn_posterior_std: bool = False
    bound: str = "kl"
    gan_mapping: str = "divergence"
    conditional_ratio: bool = True
    ratio_hidden: int = 256
    ratio_depth: int = 2
    weight_cycle_y: float = 1.0
    weight_sim_y: float = 1.0

    def validate(self) -> None:
        super().validate()
        check_choice("model.bound", self.bound, ("kl", "gan"))
        check_choice("model.gan_mapping", self.gan_mapping, GANBound.MAPPINGS)
        for key in ("ratio_hidden", "ratio_depth"):
            check_positive(f"model.{key}", getattr(self, key))
        for key in ("posterior_std", "weight_cycle_y", "weight_sim_y"):
            check_non_negative(f"model.{key}", getattr(self, key))
        if self.learn_posterior_std and self.posterior_std == 0:
            raise ConfigError("model.learn_posterior_std needs model.posterior_std > 0 "
                              "(its initial value)")


@dataclass
class VAEModelConfig(ILVMModelConfig):
    """VAE: Gaussian posterior with amortised (or fixed / learned) std, exact KL."""

    posterior_std: float = 1.0
    posterior_std_mode: str = "amortised"

    def validate(self) -> None:
        super().validate()
        check_choice("model.posterior_std_mode", self.posterior_std_mode,
                     ("fixed", "learned", "amortised"))
        check_positive("model.posterior_std", self.posterior_std)


@dataclass
class AVBModelConfig(ILVMModelConfig):
    """AVB: implicit posterior z = G(x, eps), adversary T(x, z) on the logistic loss."""

    noise_dim: int = 8
    mean_samples: int = 16
    conditional_ratio: bool = True
    ratio_hidden: int = 256
    ratio_depth: int = 2

    def validate(self) -> None:
        super().validate()
        for key in ("noise_dim", "mean_samples", "ratio_hidden", "ratio_depth"):
            check_positive(f"model.{key}", getattr(self, key))


@dataclass
class ILVMData:
    """Image splits, the named prior, and the finite collection Z* (or None)."""

    x: DomainSplits
    prior_name: str
    prior: NamedPrior
    collection: torch.Tensor | None


class ImplicitLVM(CyclicMethod):
    """Base of the ILVM methods: builds the encoder ``f``, decoder ``g`` and the objective."""

    data_config = ILVMDataConfig
    default_strategy = "joint"
    strategies = ("joint",)
    checkpoint_rules = ("last", "best_val_cycle")
    needs_prior_density: ClassVar[bool] = False

    def __init__(self, config):
        super().__init__(config)
        model, data = config.model, config.data
        self.prior = get_prior(data.prior)
        if model.latent_dim != self.prior.dim:
            raise ConfigError(f"model.latent_dim={model.latent_dim} must equal the dimension "
                              f"{self.prior.dim} of prior '{data.prior}'")
        if self.needs_prior_density and self.prior.log_prob is None:
            raise ConfigError(f"method '{config.method}' needs the prior's density, but prior "
                              f"'{data.prior}' is given by samples only; use sjmvi or avb")
        self.image_shape = (data.channels, data.image_size, data.image_size)
        self.latent_shape = (model.latent_dim,)
        self.f = self.build_encoder()
        self.g = GaussianMLP(self.latent_shape, self.image_shape, hidden=model.hidden,
                             depth=model.depth, std=model.likelihood_std,
                             std_mode="learned" if model.learn_likelihood_std else "fixed",
                             bounded=True)
        self.objective = self.build_objective()

    def build_encoder(self) -> torch.nn.Module:
        raise NotImplementedError

    def build_objective(self) -> CycleObjective:
        raise NotImplementedError

    def ratio_critic(self, input_shape, condition_shape) -> LogRatioCritic:
        """A log-ratio critic over ``input_shape``, conditioned on ``condition_shape`` when the
        model's ``conditional_ratio`` is on (Eq. 15), else ignoring it (Eq. 23)."""
        model = self.config.model
        condition_dim = math.prod(condition_shape) if model.conditional_ratio else 0
        return LogRatioCritic(math.prod(input_shape), condition_dim, hidden=model.ratio_hidden,
                              depth=model.ratio_depth)

    def objective_with_nll(self, **terms) -> CycleObjective:
        """A :class:`CycleObjective` whose cycle distances are the Gaussian NLLs (NELL of the
        decoder, NELP of the encoder) instead of a named distance."""
        # AVB's implicit posterior has no NLL; it has no NELP term either (weight 0)
        return CycleObjective(cycle_x=self.g.nll, cycle_y=getattr(self.f, "nll", "l2"), **terms)

    # Mappings: draws for observed inputs, means inside a cycle (module docstring).
    def map_xy(self, x, batch=None):
        return self.f.sample(x, batch["eps"]) if _is_observed(x, batch, "x") else self.f.mean(x)

    def map_yx(self, y, batch=None):
        return self.g.sample(y, batch["xi"]) if _is_observed(y, batch, "y") else self.g.mean(y)

    def noise_shapes(self) -> dict[str, tuple[int, ...]]:
        """Shapes of the noise inputs eps (of the encoder) and xi (of the decoder)."""
        return {"eps": self.latent_shape, "xi": self.image_shape}

    def encode_mean(self, x: torch.Tensor) -> torch.Tensor:
        """Mean of q(z|x)."""
        return self.f.mean(x)

    def decode_mean(self, z: torch.Tensor) -> torch.Tensor:
        """Mean of p(x|z), in [-1, 1]."""
        return self.g.mean(z)

    @classmethod
    def load_data(cls, config) -> ILVMData:
        data = config.data
        prior = get_prior(data.prior)
        collection = (None if data.prior_samples is None
                      else prior_collection(data.prior, data.prior_samples, seed=config.seed))
        return ILVMData(x=_load_splits(data, data.x, config.seed), prior_name=data.prior,
                        prior=prior, collection=collection)

    def make_batcher(self, data: ILVMData, *, rank: int = 0, world_size: int = 1):
        source = data.collection if data.collection is not None else data.prior.sample
        sampler = PriorSampler(source, seed=self.config.seed + 1, log_prob=data.prior.log_prob,
                               rank=rank, world_size=world_size)
        return ImagePriorBatcher(data.x.train.images, sampler, self.config.train.batch_size,
                                 seed=self.config.seed, rank=rank, world_size=world_size,
                                 noise=self.noise_shapes())

    def validation_losses(self, data, device):
        return ilvm_eval.validation_losses(self, data, device)

    def sample_rows(self, data, count, device):
        return ilvm_eval.sample_rows(self, data, count, device)

    def evaluate(self, data, *, cache_dir, device, progress=False):
        return ilvm_eval.evaluate(self, data, device=device)


@register_method
class SJMVI(ImplicitLVM):
    """Symmetric joint-matching VI (Eq. 6-17, 22): NELL + KL_z + NELP + KL_x, joint."""

    name = "sjmvi"
    model_config = SJMVIModelConfig

    def build_encoder(self):
        model = self.config.model
        return GaussianMLP(self.image_shape, self.latent_shape, hidden=model.hidden,
                           depth=model.depth, std=model.posterior_std,
                           std_mode="learned" if model.learn_posterior_std else "fixed")

    def build_objective(self):
        model = self.config.model

        def term(input_shape, condition_shape, condition_key):
            critic = self.ratio_critic(input_shape, condition_shape)
            if model.bound == "kl":
                return KLBound(critic, condition_key)
            return GANBound(critic, condition_key, mapping=model.gan_mapping)

        # sim_x judges z = f(x) against p*(z) given x; sim_y judges x = g(z) against q*(x) given z
        return self.objective_with_nll(
            weight_cycle_x=model.weight_cycle_x, weight_cycle_y=model.weight_cycle_y,
            sim_x=term(self.latent_shape, self.image_shape, "x"),
            sim_y=term(self.image_shape, self.latent_shape, "y"),
            weight_sim_x=model.weight_sim_x, weight_sim_y=model.weight_sim_y)


@register_method
class VAE(ImplicitLVM):
    """The VAE (Kingma & Welling 2014): NELL + exact KL[q(z|x) || p(z)] by Monte Carlo, which
    needs the prior's density (explicit priors only)."""

    name = "vae"
    model_config = VAEModelConfig
    needs_prior_density = True

    def build_encoder(self):
        model = self.config.model
        return GaussianMLP(self.image_shape, self.latent_shape, hidden=model.hidden,
                           depth=model.depth, std=model.posterior_std,
                           std_mode=model.posterior_std_mode)

    def build_objective(self):
        model = self.config.model
        kl = AnalyticKL(log_q=lambda z, batch: self.f.log_prob(z, batch["x"]),
                        log_p=self.prior.log_prob)
        return self.objective_with_nll(weight_cycle_x=model.weight_cycle_x, weight_cycle_y=0.0,
                                       sim_x=kl, weight_sim_x=model.weight_sim_x)


@register_method
class AVB(ImplicitLVM):
    """Adversarial Variational Bayes (Mescheder et al. 2017): NELL + E_q[T(x, z)], the
    adversary T ~ log q(z|x) - log p*(z) trained by the logistic loss (the GAN bound)."""

    name = "avb"
    model_config = AVBModelConfig

    def build_encoder(self):
        model = self.config.model
        return NoisyMLP(self.image_shape, self.latent_shape, hidden=model.hidden,
                        depth=model.depth, noise_dim=model.noise_dim,
                        mean_samples=model.mean_samples)

    def noise_shapes(self):
        return {"eps": (self.config.model.noise_dim,), "xi": self.image_shape}

    def build_objective(self):
        model = self.config.model
        adversary = GANBound(self.ratio_critic(self.latent_shape, self.image_shape), "x",
                             mapping="kl")
        return self.objective_with_nll(weight_cycle_x=model.weight_cycle_x, weight_cycle_y=0.0,
                                       sim_x=adversary, weight_sim_x=model.weight_sim_x)


def _is_observed(value: torch.Tensor, batch: dict[str, Any] | None, key: str) -> bool:
    return batch is not None and value is batch.get(key)
