"""VADA's target terms: the conditional entropy, and virtual adversarial training (the
adversarial direction, the gradient path, bf16, and the batch-norm statistics it must leave
alone)."""

import pytest
import torch
from torch import nn

from cyclekit.adaptation.virtual_adversarial import (
    frozen_batch_norm_statistics,
    prediction_entropy,
    virtual_adversarial_loss,
)


def test_prediction_entropy_is_log_k_when_uniform_and_zero_when_certain():
    assert prediction_entropy(torch.zeros(3, 10)) == pytest.approx(float(torch.log(torch.tensor(10.))))
    assert prediction_entropy(torch.tensor([[50.0, 0.0, 0.0]])) < 1e-6


def _linear_classifier(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(2 * 4 * 4, 5))


def test_the_adversarial_perturbation_changes_the_prediction_more_than_a_random_one():
    net = _linear_classifier()
    images = torch.randn(16, 2, 4, 4)
    adversarial = virtual_adversarial_loss(net, images, radius=0.5)
    clean = torch.log_softmax(net(images), 1)
    random_direction = torch.randn_like(images)
    random_direction = 0.5 * random_direction / random_direction.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    random_kl = torch.nn.functional.kl_div(torch.log_softmax(net(images + random_direction), 1),
                                           clean, log_target=True, reduction="batchmean")
    assert float(adversarial.detach()) > 3 * float(random_kl.detach()) > 0


def test_a_prediction_that_ignores_its_input_costs_nothing():
    bias = nn.Parameter(torch.randn(5))
    loss = virtual_adversarial_loss(lambda x: bias + 0 * x.flatten(1)[:, :1], torch.randn(8, 1, 4, 4),
                                    radius=3.0)
    assert float(loss.detach()) == pytest.approx(0.0, abs=1e-6)


def test_the_gradient_reaches_the_parameters_through_the_perturbed_prediction():
    net = _linear_classifier()
    loss = virtual_adversarial_loss(net, torch.randn(8, 2, 4, 4), radius=1.0)
    weight_grad, = torch.autograd.grad(loss, [net[1].weight])
    assert weight_grad.abs().sum() > 0


def test_given_clean_logits_give_the_loss_and_gradient_of_the_clean_pass_they_replace():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                        nn.Linear(4 * 4 * 4, 5))
    images = torch.randn(8, 2, 4, 4)
    torch.manual_seed(1)
    computed = virtual_adversarial_loss(net, images, radius=1.0)
    logits = net(images)
    torch.manual_seed(1)
    given = virtual_adversarial_loss(net, images, radius=1.0, clean_logits=logits)
    assert float(given.detach()) == pytest.approx(float(computed.detach()), rel=1e-6)
    assert given.requires_grad
    computed_grad, = torch.autograd.grad(computed, [net[4].weight])
    given_grad, = torch.autograd.grad(given, [net[4].weight])  # not through the clean logits
    assert torch.allclose(given_grad, computed_grad, atol=1e-7)


def test_the_probe_finds_the_adversarial_direction_under_bf16_autocast():
    # A probe of fp32's usual size (1e-6) vanishes in bf16 rounding and leaves a near-random
    # direction; the default probe must find about what fp32 finds.
    net = _linear_classifier()
    images = torch.rand(8, 2, 4, 4) * 2 - 1
    torch.manual_seed(1)
    full_precision = float(virtual_adversarial_loss(net, images, radius=1.0).detach())
    with torch.autocast("cpu", dtype=torch.bfloat16):
        torch.manual_seed(1)
        half_precision = float(virtual_adversarial_loss(net, images, radius=1.0).detach())
    assert half_precision == pytest.approx(full_precision, rel=0.15)


def test_batch_norm_statistics_are_frozen_inside_and_restored_after():
    net = nn.Sequential(nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(2 * 4 * 4, 5)).train()
    mean_before = net[0].running_mean.clone()
    with frozen_batch_norm_statistics(net):
        out = net[0](torch.randn(8, 2, 4, 4) + 3.0)
        virtual_adversarial_loss(net, torch.randn(8, 2, 4, 4) + 3.0, radius=1.0)
    assert torch.equal(net[0].running_mean, mean_before)
    assert out.mean().abs() < 1e-5  # still normalised by the batch
    assert net[0].momentum == 0.1
    net[0](torch.randn(8, 2, 4, 4) + 3.0)
    assert not torch.equal(net[0].running_mean, mean_before)
