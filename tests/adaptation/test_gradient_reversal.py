import math

import pytest
import torch

from cyclekit.adaptation.domain_discriminator import DomainDiscriminator
from cyclekit.adaptation.gradient_reversal import reversal_coefficient, reverse_gradient
from cyclekit.engine.schedules import annealed_lr_factor


@pytest.mark.parametrize("progress", [0.0, 0.1, 0.5, 1.0])
def test_reversal_flips_the_gradient_with_the_scheduled_coefficient(progress):
    coefficient = reversal_coefficient(progress)
    assert coefficient == pytest.approx(2 / (1 + math.exp(-10 * progress)) - 1)
    inputs = torch.randn(5, 3, requires_grad=True)
    weights = torch.randn(5, 3)
    out = reverse_gradient(inputs, coefficient)
    assert torch.equal(out, inputs)
    (out * weights).sum().backward()
    assert torch.allclose(inputs.grad, -coefficient * weights)


def test_schedules_start_and_end_where_ganin_puts_them():
    assert reversal_coefficient(0.0) == 0.0
    assert reversal_coefficient(1.0) == pytest.approx(0.99991, abs=1e-5)
    assert annealed_lr_factor(0.0) == 1.0
    assert annealed_lr_factor(1.0) == pytest.approx(11 ** -0.75)


def test_discriminator_learns_while_features_are_pushed_the_other_way():
    torch.manual_seed(0)
    discriminator = DomainDiscriminator(4, hidden=8)
    source = torch.randn(16, 4, requires_grad=True)
    target = torch.randn(16, 4, requires_grad=True)
    loss = discriminator.adversarial_loss(source, target, coefficient=0.5)
    loss.backward()
    reference_source = source.detach().clone().requires_grad_(True)
    plain = torch.nn.functional.binary_cross_entropy_with_logits(
        discriminator(torch.cat([reference_source, target.detach()])),
        torch.cat([torch.ones(16), torch.zeros(16)]))
    plain.backward()
    assert torch.allclose(source.grad, -0.5 * reference_source.grad, atol=1e-7)
    assert all(p.grad is not None for p in discriminator.parameters())
