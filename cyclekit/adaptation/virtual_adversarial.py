"""Virtual adversarial training (Miyato et al. 2018), the target's local-Lipschitz term of VADA
(Shu et al. 2018): the classifier's prediction should not change under the small input
perturbation that changes it most,

    L_v = KL(p(. | x) || p(. | x + r_adv)),  r_adv = radius * d / |d|,

with d the gradient of the KL at a random perturbation of norm ``probe_norm`` (one power iteration
towards the top eigenvector of the KL's Hessian). Norms are taken per image. VADA pairs it with
the conditional entropy of the target predictions (:func:`prediction_entropy`), the cluster
assumption; both are used by CDLM, DANN and the DIRT-T refinement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn

# Under bf16 autocast an image moves by whole steps of about 0.008 per pixel, so the probing
# perturbation must be a few such steps on average: a per-image norm of 1 is 0.02 per pixel on
# a 28 x 28 x 3 image (Miyato's 1e-6 assumes fp32).
PROBE_NORM = 1.0


def _per_image_unit(direction: torch.Tensor) -> torch.Tensor:
    norms = direction.flatten(1).norm(dim=1).clamp_min(1e-12)
    return direction / norms.view(-1, *([1] * (direction.dim() - 1)))


def prediction_entropy(logits: torch.Tensor) -> torch.Tensor:
    """Entropy of the softmax of ``logits``, averaged over the batch (VADA's L_c)."""
    log_p = F.log_softmax(logits.float(), dim=1)
    return -(log_p.exp() * log_p).sum(dim=1).mean()


def kl_to_prediction(clean_log_p: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """KL(clean || softmax(logits)), averaged over the batch."""
    return F.kl_div(F.log_softmax(logits.float(), dim=1), clean_log_p, log_target=True,
                    reduction="batchmean")


@contextmanager
def frozen_batch_norm_statistics(module: nn.Module) -> Iterator[None]:
    """Batch-norm layers still normalise by the batch but leave their running statistics as
    they are (momentum 0), so perturbed images do not enter the statistics used at test time."""
    norms = [layer for layer in module.modules()
             if isinstance(layer, nn.modules.batchnorm._BatchNorm)]
    momenta = [layer.momentum for layer in norms]
    for layer in norms:
        layer.momentum = 0.0
    try:
        yield
    finally:
        for layer, momentum in zip(norms, momenta):
            layer.momentum = momentum


def virtual_adversarial_loss(predict: Callable[[torch.Tensor], torch.Tensor],
                             images: torch.Tensor, radius: float,
                             probe_norm: float = PROBE_NORM,
                             clean_logits: torch.Tensor | None = None) -> torch.Tensor:
    """L_v of ``predict`` (images to logits) at ``images``; its gradient reaches ``predict``'s
    parameters through the perturbed prediction only (the clean one is a fixed target).
    ``clean_logits``: ``predict(images)`` when the caller has it already, with the same
    batch-norm batch (saves a forward pass; with dropout, the caller's draw of it); computed
    here otherwise."""
    if clean_logits is None:
        with torch.no_grad():
            clean_logits = predict(images)
    clean_log_p = F.log_softmax(clean_logits.detach().float(), dim=1)
    probe = (probe_norm * _per_image_unit(torch.randn_like(images))).requires_grad_()
    probe_kl = kl_to_prediction(clean_log_p, predict(images + probe))
    direction, = torch.autograd.grad(probe_kl, probe)
    perturbation = radius * _per_image_unit(direction.detach())
    return kl_to_prediction(clean_log_p, predict(images + perturbation))
