"""The domain discriminator Xi of DANN / CDLM: a two-layer MLP on features, one logit
(source = 1, target = 0), behind a gradient reversal layer (Hou et al., Sec. 4)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from cyclekit.adaptation.gradient_reversal import reverse_gradient


class DomainDiscriminator(nn.Module):
    def __init__(self, in_features: int, hidden: int = 256):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(inplace=True),
                                    nn.Linear(hidden, 1))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.layers(features).squeeze(1)

    def adversarial_loss(self, source: torch.Tensor, target: torch.Tensor, coefficient: float,
                         ) -> torch.Tensor:
        """Eq. 19 / 24 as a cross-entropy: the discriminator minimises it, and the features,
        seen through the reversal layer, receive ``-coefficient`` times its gradient."""
        logits = self(reverse_gradient(torch.cat([source, target]), coefficient))
        domains = torch.cat([torch.ones(len(source)), torch.zeros(len(target))]).to(logits)
        return F.binary_cross_entropy_with_logits(logits, domains)
