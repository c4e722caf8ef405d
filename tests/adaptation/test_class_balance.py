"""The class balance of the target predictions (information maximisation's marginal term):
zero at a uniform batch-mean prediction, log K at a collapse, and its gradient moves mass from
an over-used class to an unused one."""

import math

import pytest
import torch

from cyclekit.adaptation.class_balance import marginal_balance_divergence


def test_balanced_batches_cost_nothing_and_a_collapse_costs_log_k():
    balanced = 50.0 * torch.eye(4)                       # each image certain, each class once
    assert float(marginal_balance_divergence(balanced)) == pytest.approx(0.0, abs=1e-6)
    assert float(marginal_balance_divergence(torch.zeros(3, 4))) == pytest.approx(0.0, abs=1e-6)
    collapsed = torch.zeros(5, 4)
    collapsed[:, 2] = 50.0                                # every image in class 2
    assert float(marginal_balance_divergence(collapsed)) == pytest.approx(math.log(4), abs=1e-5)


def test_it_is_the_kl_of_the_mean_prediction_to_uniform():
    logits = torch.randn(16, 10, generator=torch.Generator().manual_seed(0))
    mean_p = logits.softmax(dim=1).mean(dim=0)
    expected = (mean_p * (mean_p * 10).log()).sum()
    assert torch.allclose(marginal_balance_divergence(logits), expected, atol=1e-6)
    assert float(marginal_balance_divergence(logits.bfloat16())) == pytest.approx(
        float(expected), abs=2e-2)                       # computed in fp32 under bf16


def test_its_gradient_moves_mass_from_the_over_used_class_to_the_unused_one():
    # Three images, three classes: two sit in class 0, one in class 1, none in class 2.
    logits = torch.tensor([[4.0, 0.0, 0.0], [4.0, 0.0, 0.0], [0.0, 4.0, 0.0]],
                          requires_grad=True)
    marginal_balance_divergence(logits).backward()
    descent = -logits.grad
    assert (descent[:, 2] > 0).all()                     # class 2 gains on every image
    assert (descent[:2, 0] < 0).all()                    # class 0 loses where it is predicted
