"""MLP conditionals of implicit latent variable models (Tiao et al. 2018, Eq. 3-4).

:class:`GaussianMLP` is a prescribed conditional ``v = mean(c) + std * noise``:
N(mean(c), std^2 I) with ``std`` fixed (0 allowed: the degenerate, deterministic limit),
learned (one per output dimension) or amortised (an MLP head, as in the VAE).
:class:`NoisyMLP` is an implicit conditional ``v = net([c, noise])`` with noise injected at
the input (AVB's posterior), whose mean is only known by Monte Carlo.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from cyclekit.cyclic.distances import l2
from cyclekit.errors import ConfigError

STD_MODES = ("fixed", "learned", "amortised")
MIN_LOG_STD = -7.0


def mlp(in_dim: int, hidden: int, depth: int, out_dim: int) -> nn.Sequential:
    """``depth`` hidden layers of width ``hidden`` with ReLU, then a linear output."""
    layers: list[nn.Module] = []
    width = in_dim
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    layers.append(nn.Linear(width, out_dim))
    return nn.Sequential(*layers)


class GaussianMLP(nn.Module):
    """N(v | mean(c), std^2 I) over outputs of shape ``out_shape`` from inputs ``in_shape``.

    ``bounded`` squashes the mean into [-1, 1] with tanh (for images in [-1, 1]).
    """

    def __init__(self, in_shape: tuple[int, ...], out_shape: tuple[int, ...], *, hidden: int,
                 depth: int, std: float, std_mode: str = "fixed", bounded: bool = False):
        super().__init__()
        if std_mode not in STD_MODES:
            raise ConfigError(f"std mode '{std_mode}' is not valid; choose one of {list(STD_MODES)}")
        if std < 0 or (std_mode != "fixed" and std == 0):
            raise ConfigError(f"a {std_mode} standard deviation must be > 0 (0 only when fixed), "
                              f"got {std}")
        self.out_shape = tuple(out_shape)
        self.out_dim = math.prod(out_shape)
        self.std_mode = std_mode
        self.bounded = bounded
        heads = 2 if std_mode == "amortised" else 1
        self.net = mlp(math.prod(in_shape), hidden, depth, heads * self.out_dim)
        if std_mode == "learned":
            self.log_std = nn.Parameter(torch.full((self.out_dim,), math.log(std)))
        else:
            self.register_buffer("fixed_std", torch.tensor(float(std)))
        if std_mode == "amortised":  # start the std head near ``std``
            last = self.net[-1]
            with torch.no_grad():
                last.weight[self.out_dim:].mul_(0.01)
                last.bias[self.out_dim:].fill_(math.log(std))

    @property
    def degenerate(self) -> bool:
        return self.std_mode == "fixed" and float(self.fixed_std) == 0.0

    def mean_and_std(self, condition: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean ``(N, *out_shape)`` and std (broadcastable to it)."""
        out = self.net(condition.flatten(1))
        mean = out[:, :self.out_dim]
        if self.std_mode == "amortised":
            std = out[:, self.out_dim:].clamp(min=MIN_LOG_STD).exp().view(-1, *self.out_shape)
        else:
            std = self.std()
        mean = torch.tanh(mean) if self.bounded else mean
        return mean.view(-1, *self.out_shape), std

    def std(self) -> torch.Tensor:
        """The global std (not for the amortised mode, whose std depends on the input)."""
        if self.std_mode == "amortised":
            raise ConfigError("an amortised std depends on the input; use mean_and_std")
        if self.std_mode == "learned":
            return self.log_std.clamp(min=MIN_LOG_STD).exp().view(self.out_shape)
        return self.fixed_std

    def mean(self, condition: torch.Tensor) -> torch.Tensor:
        return self.mean_and_std(condition)[0]

    def sample(self, condition: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """``mean + std * noise`` for standard normal ``noise`` shaped like the output
        (reparameterised; the mean itself when degenerate)."""
        mean, std = self.mean_and_std(condition)
        if self.degenerate:
            return mean
        return mean + std * noise.view_as(mean)

    def log_prob(self, value: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        """``(N,)`` log N(value | mean(condition), std^2 I)."""
        mean, std = self.mean_and_std(condition)
        return -_gaussian_nll_per_sample(value, mean, std)

    def nll(self, target: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
        """Batch mean of ``-log N(target | mean, std^2 I)`` summed over dimensions: the cycle
        distance of NELL / NELP (Eq. 9, 12).

        With std 0 the NLL is infinite; its limit up to the affine map of the poster
        (NLL = gamma * l_cycle + delta, gamma = D / (2 std^2), delta = D (log std +
        log(2 pi) / 2)) is the l2 cycle distance (mean squared error, Eq. 18-19 with rho = 2),
        which is what this returns.
        """
        if self.degenerate:
            return l2(target, mean)
        return _gaussian_nll_per_sample(target, mean, self.std()).mean()


class NoisyMLP(nn.Module):
    """An implicit conditional ``v = net([c, noise])``, noise ~ N(0, I) of ``noise_dim``."""

    def __init__(self, in_shape: tuple[int, ...], out_shape: tuple[int, ...], *, hidden: int,
                 depth: int, noise_dim: int, mean_samples: int = 16):
        super().__init__()
        if noise_dim < 1 or mean_samples < 1:
            raise ConfigError(f"NoisyMLP needs noise_dim >= 1 and mean_samples >= 1, got "
                              f"{noise_dim}, {mean_samples}")
        self.out_shape = tuple(out_shape)
        self.noise_dim = noise_dim
        self.mean_samples = mean_samples
        self.net = mlp(math.prod(in_shape) + noise_dim, hidden, depth, math.prod(out_shape))

    def sample(self, condition: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """``net([condition, noise])`` for standard normal ``noise`` of shape (N, noise_dim)."""
        return self.net(torch.cat([condition.flatten(1), noise], dim=1)).view(-1, *self.out_shape)

    def mean(self, condition: torch.Tensor) -> torch.Tensor:
        """Monte Carlo mean over ``mean_samples`` noise draws from a fixed generator (so the
        same input always gets the same estimate)."""
        generator = torch.Generator().manual_seed(0)
        draws = [self.sample(condition, torch.randn(len(condition), self.noise_dim,
                                                    generator=generator).to(condition))
                 for _ in range(self.mean_samples)]
        return torch.stack(draws).mean(0)


def _gaussian_nll_per_sample(value: torch.Tensor, mean: torch.Tensor, std: torch.Tensor,
                             ) -> torch.Tensor:
    """``(N,)`` -log N(value | mean, std^2 I), summed over all but the first dimension."""
    std = torch.broadcast_to(std, mean.shape)
    per_dim = (value - mean) ** 2 / (2 * std ** 2) + torch.log(std) + 0.5 * math.log(2 * math.pi)
    return per_dim.flatten(1).sum(1)
