"""A discriminative correlation filter solved in closed form in the Fourier domain (UDT /
DCFNet: Wang et al., CVPR 2019, forward tracking; Wang et al., arXiv:1704.04057).

The filter w (C channels) minimises the ridge regression over all circular shifts of the
template features phi,

    || sum_l w_l * phi_l - y ||^2 + lambda sum_l ||w_l||^2,    (* = circular cross-correlation)

whose solution per frequency is  conj(W_l) = Y conj(Phi_l) / (sum_k |Phi_k|^2 + lambda)
(Sherman-Morrison on the rank-one system of each frequency). The response to search features
z is  r = IFFT( sum_l conj(W_l) Z_l ).  Everything is differentiable and batched.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class FourierFilter:
    """``numerator`` (..., C, S, S//2+1) = Y conj(Phi); ``denominator`` (..., 1, S, S//2+1) =
    sum |Phi|^2 + lambda. Kept apart so trackers can average both over time (DCFNet)."""

    numerator: torch.Tensor
    denominator: torch.Tensor

    @property
    def conj_weights(self) -> torch.Tensor:
        """conj(W_l) per frequency (half spectrum)."""
        return self.numerator / self.denominator

    def blend(self, other: FourierFilter, rate: float) -> FourierFilter:
        """(1 - rate) self + rate other: the online model update of DCF trackers."""
        return FourierFilter(torch.lerp(self.numerator, other.numerator, rate),
                             torch.lerp(self.denominator, other.denominator, rate))


def gaussian_label(size: int, sigma: float, device=None, dtype=None) -> torch.Tensor:
    """(size, size) Gaussian peaking (value 1) at pixel (size // 2, size // 2)."""
    coords = torch.arange(size, device=device, dtype=dtype) - size // 2
    g = torch.exp(-0.5 * (coords / sigma) ** 2)
    return g[:, None] * g[None, :]


def solve_filter(features: torch.Tensor, label: torch.Tensor, lam: float) -> FourierFilter:
    """Closed-form ridge regression of ``label`` (S, S) on ``features`` (..., C, S, S)."""
    phi = torch.fft.rfft2(features)
    y = torch.fft.rfft2(label)
    numerator = y * phi.conj()
    denominator = (phi.real ** 2 + phi.imag ** 2).sum(dim=-3, keepdim=True) + lam
    return FourierFilter(numerator, denominator)


def filter_response(filt: FourierFilter, search: torch.Tensor) -> torch.Tensor:
    """r = IFFT(sum_l conj(W_l) Z_l) for search features ``search`` (..., C, S, S); the
    filter broadcasts over leading dimensions. Returns (..., S, S)."""
    z = torch.fft.rfft2(search)
    spectrum = (filt.conj_weights * z).sum(dim=-3)
    return torch.fft.irfft2(spectrum, s=search.shape[-2:])


def spatial_filter(filt: FourierFilter, size: int) -> torch.Tensor:
    """The filter w_l in the spatial domain (..., C, S, S), for checks against a direct solve."""
    return torch.fft.irfft2(filt.conj_weights.conj(), s=(size, size))
