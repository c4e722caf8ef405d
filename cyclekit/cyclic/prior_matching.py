"""Prior-matching terms D_sim (Zou & Hao): how much a mapped sample looks like the other domain.

``D_sim^X(f(x), Y)`` replaces ``KL(q(y|x) || p(y))`` of the cyclic ELBO. A term may own a
critic (a GAN discriminator, a density-ratio network) trained by its own player; then
:meth:`critic_loss` is that player's objective and :meth:`mapping_loss` the mapping's.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch
from torch import nn

from cyclekit.cyclic.image_history import ImageHistory


class PriorMatching(nn.Module):
    """Base class. Subclasses set ``has_critic`` and implement the two losses."""

    has_critic: bool = False

    def mapping_loss(self, fake: torch.Tensor, batch: dict | None = None) -> torch.Tensor:
        """The loss the mapping minimises so that ``fake`` matches the target domain.

        ``batch`` carries side information some terms need (e.g. candidate boxes).
        """
        raise NotImplementedError

    def critic_loss(self, real: torch.Tensor, fake: torch.Tensor, batch: dict | None = None,
                    ) -> torch.Tensor:
        """The loss the critic minimises (only when ``has_critic``).

        ``batch`` carries the conditioning input of conditional critics (e.g. r(z; x)).
        """
        raise NotImplementedError

    def extra_state(self) -> dict:
        """Non-parameter state to checkpoint (e.g. the image history)."""
        return {}

    def load_extra_state(self, state: dict, device: torch.device | str) -> None:
        """Restore what :meth:`extra_state` returned."""


class LeastSquaresGAN(PriorMatching):
    """Least-squares GAN (Mao et al. 2017) as used by CycleGAN (Zhu et al. 2017, Sec. 4).

    Mapping: ``E[(D(G(x)) - 1)^2]``. Critic: ``1/2 (E[(D(y) - 1)^2] + E[D(G(x))^2])``,
    where the fakes shown to D come from the image history buffer.
    """

    has_critic = True

    def __init__(self, discriminator: nn.Module, history_size: int = 50, seed: int = 0):
        super().__init__()
        self.discriminator = discriminator
        self.history = ImageHistory(history_size, seed=seed)

    def mapping_loss(self, fake: torch.Tensor, batch: dict | None = None) -> torch.Tensor:
        with frozen(self.discriminator):
            return torch.mean((self.discriminator(fake) - 1.0) ** 2)

    def critic_loss(self, real: torch.Tensor, fake: torch.Tensor, batch: dict | None = None,
                    ) -> torch.Tensor:
        replayed = self.history.query(fake.detach())
        scores = self.discriminator(torch.cat([real, replayed]))
        real_scores, fake_scores = scores[: real.shape[0]], scores[real.shape[0]:]
        return 0.5 * (torch.mean((real_scores - 1.0) ** 2) + torch.mean(fake_scores ** 2))

    def extra_state(self) -> dict:
        return {"history": self.history.state_dict()}

    def load_extra_state(self, state: dict, device: torch.device | str) -> None:
        self.history.load_state_dict(state["history"], device)


@contextmanager
def frozen(module: nn.Module):
    """Disable gradients of ``module``'s parameters (inputs still get gradients)."""
    flags = [p.requires_grad for p in module.parameters()]
    for p in module.parameters():
        p.requires_grad_(False)
    try:
        yield module
    finally:
        for p, flag in zip(module.parameters(), flags):
            p.requires_grad_(flag)
