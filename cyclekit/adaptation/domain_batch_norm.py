"""Batch normalisation with one set of statistics per domain (AdaBN, Li et al. 2016, applied
during training as domain-specific batch normalisation does, Chang et al. 2019).

Adaptation networks usually normalise the concatenated source + target batch, so in training
each domain is normalised by the statistics of both, and at test time the target by running
statistics that mix the two. :class:`DomainBatchNorm2d` normalises each domain's images by that
domain's own batch statistics and keeps running statistics per domain; the affine scale and
shift are shared (DSBN keeps them per domain too), so both domains still pass through one
learned network.
"""

from __future__ import annotations

import torch
from torch import nn

SOURCE, TARGET = 0, 1
BATCH_NORMS = ("shared", "per_domain")


class DomainBatchNorm2d(nn.Module):
    """``BatchNorm2d`` whose statistics belong to the domain passed to :meth:`forward`."""

    def __init__(self, num_features: int, domains: int = 2):
        super().__init__()
        self.norms = nn.ModuleList(nn.BatchNorm2d(num_features, affine=False)
                                   for _ in range(domains))
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))

    def forward(self, images: torch.Tensor, domain: int) -> torch.Tensor:
        if not 0 <= domain < len(self.norms):
            raise ValueError(f"domain must be in [0, {len(self.norms)}), got {domain}")
        normalised = self.norms[domain](images)
        return normalised * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)
