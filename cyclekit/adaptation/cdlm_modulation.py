"""CDLM's cross-domain latent modulation of the reparameterisation (Hou et al., Eq. 1-2, 11, 15)."""

from __future__ import annotations

import torch

MODULATIONS = ("full", "pm1", "pm2")


def modulate(modulation: str, mu: torch.Tensor, sigma: torch.Tensor, partner_sigma: torch.Tensor,
             partner_h: torch.Tensor, gamma1: float, gamma2: float,
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and standard deviation of the modulated code z = mean + std * eps.

    full (Eq. 1-2): mean = mu + g1 sigma h', std = g2 sigma, so z = mu + sigma (g1 h' + g2 eps);
    pm1 (Eq. 11): mean = mu, std = (sigma + sigma') / 2; pm2 (Eq. 15): mean = mu, std = sigma'.
    Primes are the partner's (the other domain's) quantities.
    """
    if modulation == "full":
        return mu + gamma1 * sigma * partner_h, gamma2 * sigma
    if modulation == "pm1":
        return mu, 0.5 * (sigma + partner_sigma)
    if modulation == "pm2":
        return mu, partner_sigma
    raise ValueError(f"unknown modulation {modulation!r}; choose one of {list(MODULATIONS)}")
