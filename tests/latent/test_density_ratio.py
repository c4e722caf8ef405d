"""Density-ratio bounds (seed 001, Eq. 17 and 22) recover a closed-form KL between Gaussians."""

import math

import pytest
import torch

from cyclekit.errors import ConfigError
from cyclekit.latent.density_ratio import (
    AnalyticKL,
    GANBound,
    KLBound,
    LogRatioCritic,
    StandardGAN,
)

# q = N(MEAN_Q, diag(STD_Q^2)) (the "fake" density), p = N(0, diag(STD_P^2)) (the "real" one)
MEAN_Q = torch.tensor([1.0, -0.5])
STD_Q = torch.tensor([1.0, 0.7])
STD_P = torch.tensor([1.5, 1.0])


def true_kl() -> float:
    """KL[q || p] of two diagonal Gaussians, in closed form."""
    terms = torch.log(STD_P / STD_Q) + (STD_Q ** 2 + MEAN_Q ** 2) / (2 * STD_P ** 2) - 0.5
    return float(terms.sum())


def draw_q(n, generator):
    return MEAN_Q + STD_Q * torch.randn(n, 2, generator=generator)


def draw_p(n, generator):
    return STD_P * torch.randn(n, 2, generator=generator)


def train_critic(term, steps=400, batch=1024):
    generator = torch.Generator().manual_seed(0)
    optimizer = torch.optim.Adam(term.parameters(), lr=5e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)  # settles the noise
    for _ in range(steps):
        loss = term.critic_loss(draw_p(batch, generator), draw_q(batch, generator))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    return term


@pytest.fixture
def one_thread():
    """One thread: the test's speed does not depend on the machine's other jobs."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("bound", [KLBound, GANBound])
def test_bound_estimates_gaussian_kl_within_5_percent(bound, one_thread):
    torch.manual_seed(0)
    term = train_critic(bound(LogRatioCritic(2, hidden=64, depth=2)))
    held_out = draw_q(200_000, torch.Generator().manual_seed(1))
    estimate = float(term.kl_estimate(held_out))
    assert estimate == pytest.approx(true_kl(), rel=0.05), (estimate, true_kl())
    # the mapping loss of the KL bound is the KL estimate itself
    if bound is KLBound:
        assert float(term.mapping_loss(held_out)) == pytest.approx(estimate, rel=1e-5)


def test_kl_bound_is_below_the_kl_for_any_critic():
    torch.manual_seed(0)
    term = KLBound(LogRatioCritic(2, hidden=16, depth=1))  # untrained: a poor critic
    generator = torch.Generator().manual_seed(2)
    with torch.no_grad():
        value = float(term.bound(draw_p(100_000, generator), draw_q(100_000, generator)))
    assert value < true_kl()


def test_gan_bound_is_the_logistic_loss_of_a_standard_gan_on_the_same_weights():
    torch.manual_seed(0)
    critic = LogRatioCritic(2, hidden=8, depth=2)
    gan = StandardGAN(_Negated(critic))  # D = 1 - sigmoid(log r) = sigmoid(-log r)
    bound = GANBound(critic)
    generator = torch.Generator().manual_seed(3)
    real, fake = draw_p(64, generator), draw_q(64, generator)
    assert torch.allclose(bound.critic_loss(real, fake), gan.critic_loss(real, fake), atol=1e-6)
    assert torch.allclose(bound.mapping_loss(fake), gan.mapping_loss(fake), atol=1e-6)


def test_conditional_critic_reads_the_conditioning_input_from_the_batch():
    torch.manual_seed(0)
    critic = LogRatioCritic(2, condition_dim=3, hidden=8, depth=2)
    term = KLBound(critic, condition_key="x")
    z, x = torch.randn(5, 2), torch.randn(5, 3)
    assert torch.equal(term.log_ratio(z, {"x": x}), critic(z, x))
    assert not torch.equal(term.log_ratio(z, {"x": x}), term.log_ratio(z, {"x": x + 1}))
    with pytest.raises(ValueError, match="batch\\['x'\\]"):
        term.log_ratio(z, {})
    with pytest.raises(ConfigError, match="condition_key"):
        KLBound(critic)


def test_mapping_loss_does_not_train_the_critic():
    critic = LogRatioCritic(2, hidden=8, depth=2)
    fake = torch.randn(16, 2, requires_grad=True)
    KLBound(critic).mapping_loss(fake).backward()
    assert fake.grad is not None and all(p.grad is None for p in critic.parameters())


def test_analytic_kl_matches_closed_form():
    normal_q = torch.distributions.Normal(MEAN_Q, STD_Q)
    normal_p = torch.distributions.Normal(torch.zeros(2), STD_P)
    term = AnalyticKL(log_q=lambda z, batch: normal_q.log_prob(z).sum(-1),
                      log_p=lambda z: normal_p.log_prob(z).sum(-1))
    samples = draw_q(400_000, torch.Generator().manual_seed(4))
    assert float(term.mapping_loss(samples)) == pytest.approx(true_kl(), rel=0.01)
    assert not term.has_critic and math.isfinite(true_kl())


class _Negated(torch.nn.Module):
    def __init__(self, critic):
        super().__init__()
        self.critic = critic

    def forward(self, value):
        return -self.critic(value)
