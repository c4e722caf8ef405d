"""Class balance of the target predictions: the marginal term of information maximisation
(Krause et al., NeurIPS 2010; Hu et al., IMSAT, ICML 2017; Liang et al., SHOT, ICML 2020,
Eq. 3), beyond Hou et al.

The conditional entropy of VADA and DIRT-T (:func:`~cyclekit.adaptation.virtual_adversarial.
prediction_entropy`) is as low when a whole cluster of target images is sent to a wrong class
as when it is sent to its own; it only asks every prediction to be confident. The marginal term
asks the classes to be used as often as a uniform prior says,

    L_b = KL(p_bar || U) = log K - H(p_bar),   p_bar = E_x p(. | x)  over the batch,

zero when the batch's mean prediction is uniform and log K when every image gets one class.
Together with the entropy, L_c + L_b = H(Y | X) - H(Y) + log K is the negative mutual
information between image and label (up to a constant), the objective of IMSAT and SHOT.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def marginal_balance_divergence(logits: torch.Tensor) -> torch.Tensor:
    """KL(mean softmax of ``logits`` over the batch || uniform over the classes)."""
    mean_p = F.softmax(logits.float(), dim=1).mean(dim=0)
    return math.log(logits.shape[1]) + (mean_p * mean_p.clamp_min(1e-12).log()).sum()
