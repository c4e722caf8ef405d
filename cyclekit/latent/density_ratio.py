"""Density-ratio estimation in log-space (Tiao et al. 2018, Eq. 13-17 and 22), shared by SJMVI, AVB, VAE.

A critic outputs ``log r(v; c)``, an estimate of ``log q(v | c) - log p(v)``: the density of
the mapped samples ("fake", e.g. z ~ q(z|x)) over the target density ("real", e.g. the
implicit prior p*(z)), conditioned on the input c that produced the fake (r_alpha(z; x)) or
on nothing (Eq. 23). Two lower bounds train it, each a :class:`PriorMatching` term whose
critic loss is minus the bound and whose mapping loss is the estimated divergence:

* :class:`KLBound`, f(u) = u log u (Eq. 16-17, KLIEP-like):
  ``L_KL = E_q[log r] - E_p*[r - 1]``; at the optimum ``E_q[log r]`` is the KL.
* :class:`GANBound`, f(u) = u log u - (u + 1) log(u + 1) (Eq. 22):
  ``L_GAN = E_p*[log D] + E_q[log(1 - D)]`` with ``D = 1 - sigmoid(log r)``, the logistic
  loss; its optimal critic is again the log-ratio, so ``E_q[log r]`` estimates the KL (AVB).

:class:`AnalyticKL` is the same mapping loss with an exact log-ratio (the VAE), and
:class:`StandardGAN` the plain logistic GAN of Goodfellow et al. on an unconditional
discriminator, which :class:`GANBound` reduces to in the CycleGAN limit (Eq. 20-21, 23-24).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from cyclekit.cyclic.prior_matching import PriorMatching, frozen
from cyclekit.errors import ConfigError


class LogRatioCritic(nn.Module):
    """``log r(v; c)``: an MLP on ``[embed(v), embed(c)]``, or on ``embed(v)`` alone.

    ``condition_dim = 0`` makes the critic ignore the conditioning input (Eq. 23). Inputs of
    any shape are flattened per sample.
    """

    def __init__(self, input_dim: int, condition_dim: int = 0, *, hidden: int = 256,
                 depth: int = 2):
        super().__init__()
        if input_dim < 1 or condition_dim < 0 or hidden < 1 or depth < 1:
            raise ConfigError(f"LogRatioCritic needs input_dim >= 1, condition_dim >= 0, "
                              f"hidden >= 1, depth >= 1; got {input_dim}, {condition_dim}, "
                              f"{hidden}, {depth}")
        self.condition_dim = condition_dim
        self.embed_input = nn.Sequential(nn.Linear(input_dim, hidden), nn.LeakyReLU(0.2))
        self.embed_condition = (nn.Sequential(nn.Linear(condition_dim, hidden), nn.LeakyReLU(0.2))
                                if condition_dim else None)
        layers: list[nn.Module] = []
        width = hidden * (2 if condition_dim else 1)
        for _ in range(depth - 1):
            layers += [nn.Linear(width, hidden), nn.LeakyReLU(0.2)]
            width = hidden
        layers.append(nn.Linear(width, 1))
        self.head = nn.Sequential(*layers)

    @property
    def conditional(self) -> bool:
        return self.condition_dim > 0

    def forward(self, value: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        """``(N,)`` log-ratios of the samples ``value`` given ``condition``."""
        features = self.embed_input(value.flatten(1))
        if self.embed_condition is not None:
            if condition is None:
                raise ValueError("a conditional log-ratio critic needs its conditioning input")
            features = torch.cat([features, self.embed_condition(condition.flatten(1))], dim=1)
        return self.head(features).squeeze(1)


class DensityRatioTerm(PriorMatching):
    """A prior-matching term whose critic is a log-ratio network (Eq. 13-15).

    ``condition_key`` names the batch entry that conditions the critic (``"x"`` for
    r_alpha(z; x), ``"y"`` for r_beta(x; z)); real samples are paired with the same
    conditioning inputs as the fakes, i.e. drawn from the product q*(x) p*(z).
    """

    has_critic = True

    def __init__(self, critic: LogRatioCritic, condition_key: str | None = None):
        super().__init__()
        if critic.conditional and condition_key is None:
            raise ConfigError("a conditional log-ratio critic needs a condition_key")
        self.critic = critic
        self.condition_key = condition_key

    def log_ratio(self, samples: torch.Tensor, batch: dict | None = None) -> torch.Tensor:
        """``log r`` of ``samples`` (conditioned on ``batch[condition_key]`` when conditional)."""
        condition = None
        if self.critic.conditional:
            if batch is None or self.condition_key not in batch:
                raise ValueError(f"the conditional critic needs batch['{self.condition_key}']")
            condition = batch[self.condition_key]
        return self.critic(samples, condition)

    def bound(self, real: torch.Tensor, fake: torch.Tensor, batch: dict | None = None,
              ) -> torch.Tensor:
        """The lower bound the critic maximises."""
        raise NotImplementedError

    def critic_loss(self, real, fake, batch=None):
        return -self.bound(real, fake, batch)

    @torch.no_grad()
    def kl_estimate(self, fake: torch.Tensor, batch: dict | None = None) -> torch.Tensor:
        """``E_q[log r]``: KL[q || p] when the critic is optimal (Eq. 15)."""
        return self.log_ratio(fake, batch).mean()


class KLBound(DensityRatioTerm):
    """Eq. 17: ``E_q[log r] - E_p*[r - 1]``; the mapping minimises ``E_q[log r]`` (Eq. 16)."""

    def bound(self, real, fake, batch=None):
        log_r_fake = self.log_ratio(fake, batch)
        log_r_real = self.log_ratio(real, batch)
        return log_r_fake.mean() - (torch.exp(log_r_real) - 1.0).mean()

    def mapping_loss(self, fake, batch=None):
        with frozen(self.critic):
            return self.log_ratio(fake, batch).mean()


class GANBound(DensityRatioTerm):
    """Eq. 22 with ``D = 1 - sigmoid(log r)``: the logistic loss of telling p* from q.

    ``mapping = "divergence"`` (the poster): the mapping minimises the bound's part that
    depends on it, ``E_q[log(1 - D)] = E_q[log sigmoid(log r)]`` (the minimax GAN loss,
    Eq. 20). ``mapping = "kl"`` (AVB): it minimises ``E_q[log r]``, the KL the optimal
    logistic critic estimates.
    """

    MAPPINGS = ("divergence", "kl")

    def __init__(self, critic: LogRatioCritic, condition_key: str | None = None,
                 mapping: str = "divergence"):
        super().__init__(critic, condition_key)
        if mapping not in self.MAPPINGS:
            raise ConfigError(f"GANBound mapping '{mapping}' is not valid; choose one of "
                              f"{list(self.MAPPINGS)}")
        self.mapping = mapping

    def bound(self, real, fake, batch=None):
        # log D = log sigmoid(-log r), log(1 - D) = log sigmoid(log r)
        log_d_real = F.logsigmoid(-self.log_ratio(real, batch))
        log_not_d_fake = F.logsigmoid(self.log_ratio(fake, batch))
        return log_d_real.mean() + log_not_d_fake.mean()

    def mapping_loss(self, fake, batch=None):
        with frozen(self.critic):
            log_r = self.log_ratio(fake, batch)
        return F.logsigmoid(log_r).mean() if self.mapping == "divergence" else log_r.mean()


class AnalyticKL(PriorMatching):
    """Monte Carlo KL[q(z|x) || p(z)] = E_q[log q(z|x) - log p(z)] with both densities known
    (the VAE, Kingma & Welling 2014): the same mapping loss as the bounds, exact log-ratio.

    ``log_q(z, batch)`` and ``log_p(z)`` return ``(N,)`` log-densities.
    """

    has_critic = False

    def __init__(self, log_q: Callable[[torch.Tensor, dict], torch.Tensor],
                 log_p: Callable[[torch.Tensor], torch.Tensor]):
        super().__init__()
        self.log_q = log_q
        self.log_p = log_p

    def mapping_loss(self, fake, batch=None):
        return (self.log_q(fake, batch) - self.log_p(fake)).mean()


class StandardGAN(PriorMatching):
    """The logistic GAN (Goodfellow et al. 2014) on a discriminator that outputs logits of
    "real": critic ``BCE(D(real), 1) + BCE(D(fake), 0)``; mapping ``E[log(1 - D(fake))]``
    (minimax) or ``BCE(D(fake), 1)`` (non-saturating)."""

    has_critic = True

    def __init__(self, discriminator: nn.Module, non_saturating: bool = False):
        super().__init__()
        self.discriminator = discriminator
        self.non_saturating = non_saturating

    def mapping_loss(self, fake, batch=None):
        with frozen(self.discriminator):
            logits = self.discriminator(fake)
        if self.non_saturating:
            return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
        return F.logsigmoid(-logits).mean()

    def critic_loss(self, real, fake, batch=None):
        real_logits, fake_logits = self.discriminator(real), self.discriminator(fake)
        return (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
