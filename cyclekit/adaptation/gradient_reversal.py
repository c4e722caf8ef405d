"""The gradient reversal layer of DANN (Ganin et al. 2016, JMLR 17(59)), used by DANN and by
CDLM's adversarial alignment of h (Hou et al., Eq. 19 and 24), with Ganin's reversal schedule."""

from __future__ import annotations

import math

import torch


class _ReverseGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, inputs: torch.Tensor, coefficient: float) -> torch.Tensor:
        ctx.coefficient = coefficient
        return inputs.view_as(inputs)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        return -ctx.coefficient * grad_output, None


def reverse_gradient(inputs: torch.Tensor, coefficient: float = 1.0) -> torch.Tensor:
    """Identity in the forward pass; multiplies the gradient by ``-coefficient`` backwards."""
    return _ReverseGradient.apply(inputs, float(coefficient))


def reversal_coefficient(progress: float, gamma: float = 10.0) -> float:
    """lambda_p = 2 / (1 + exp(-gamma p)) - 1, from 0 at p = 0 towards 1 (Ganin et al., Sec. 5.2.2)."""
    return 2.0 / (1.0 + math.exp(-gamma * progress)) - 1.0

