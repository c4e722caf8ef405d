"""The affinity primitive of ACC and TCC (ACC paper, Definitions 1-2; Dwibedi et al. 2019).

For two sets of embeddings L = {l_i} (n, E) and M = {m_j} (m, E):

    similarity  s(l, m) = -d(l, m) for a distance d (squared L2, L2, L1, L-inf), or cos(l, m)
    affinity    a_ij = s(l_i, m_j) / tau                       (tau: the temperature)
    soft NN     m~_i = sum_j softmax_j(a_ij) m_j                 (Definition 2)
    cycle back  o_ik = s(m~_i, l_k) / tau                        (Definition 1, differentiable)
    ACC         CE(o_i, i), averaged over i and both directions L->M->L and M->L->M

With double augmentation the cycle starts at one view of l_i and returns to the other view,
so the logits compare m~_i with the second view's embeddings. All functions take leading
batch dimensions ``(..., n, E)``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from cyclekit.errors import ConfigError

SIMILARITIES = ("squared_l2", "l2", "cosine", "l1", "linf")
_SQRT_FLOOR = 1e-12  # keeps the gradient of the L2 distance finite at zero distance


def check_similarity(kind: str) -> None:
    if kind not in SIMILARITIES:
        raise ConfigError(f"unknown similarity '{kind}'; choose one of {list(SIMILARITIES)}")


def pairwise_similarity(u: torch.Tensor, v: torch.Tensor, kind: str = "squared_l2",
                        ) -> torch.Tensor:
    """s(u_i, v_j) for all pairs: ``(..., n, E) x (..., m, E) -> (..., n, m)``.

    Distances enter negated, so a larger similarity always means closer."""
    check_similarity(kind)
    if kind == "cosine":
        return F.normalize(u, dim=-1) @ F.normalize(v, dim=-1).transpose(-1, -2)
    difference = u.unsqueeze(-2) - v.unsqueeze(-3)
    if kind == "l1":
        return -difference.abs().sum(-1)
    if kind == "linf":
        return -difference.abs().amax(-1)
    squared = difference.pow(2).sum(-1)
    if kind == "squared_l2":
        return -squared
    return -squared.clamp_min(_SQRT_FLOOR).sqrt()


def affinity_logits(u: torch.Tensor, v: torch.Tensor, kind: str = "squared_l2",
                    temperature: float = 1.0) -> torch.Tensor:
    """a_ij = s(u_i, v_j) / tau."""
    if temperature <= 0:
        raise ConfigError(f"temperature={temperature} must be > 0")
    return pairwise_similarity(u, v, kind) / temperature


def soft_nearest_neighbours(u: torch.Tensor, v: torch.Tensor, kind: str = "squared_l2",
                            temperature: float = 1.0) -> torch.Tensor:
    """Definition 2: the soft nearest neighbour of every u_i in the set v, ``(..., n, E)``."""
    weights = affinity_logits(u, v, kind, temperature).softmax(-1)
    return weights @ v


def cycle_back_logits(soft_neighbours: torch.Tensor, returns: torch.Tensor,
                      kind: str = "squared_l2", temperature: float = 1.0) -> torch.Tensor:
    """o_ik = s(m~_i, l_k) / tau: logits of cycling from soft neighbour i back to member k."""
    return affinity_logits(soft_neighbours, returns, kind, temperature)


def cycle_back_cross_entropy(start: torch.Tensor, logits: torch.Tensor,
                             label_smoothing: float = 0.0) -> torch.Tensor:
    """Cross-entropy of cycling back to where each cycle started (the identity target).

    ``start`` is the set the cycles started from (member i is class i; only the logits' size
    is used, so the signature matches a cycle distance D_cyc(x, x_reconstructed));
    ``logits`` are ``(..., n, n)`` cycle-back logits. Used as ACC's cycle distance D_cyc."""
    count = logits.shape[-1]
    if logits.dim() < 2 or logits.shape[-2] != count:
        raise ConfigError(f"cycle-back logits must be square in the last two dimensions, got "
                          f"{tuple(logits.shape)}")
    target = torch.arange(count, device=logits.device).expand(logits.shape[:-1])
    return F.cross_entropy(logits.reshape(-1, count), target.reshape(-1),
                           label_smoothing=label_smoothing)


def acc_logits(l_start: torch.Tensor, m_start: torch.Tensor, *,
               l_return: torch.Tensor | None = None, m_return: torch.Tensor | None = None,
               kind: str = "squared_l2",
               temperature: float = 1.0) -> torch.Tensor:
    """Cycle-back logits of both directions, stacked ``(..., 2, n, n)``: L->M->L then M->L->M.

    ``l_return`` / ``m_return``: the embeddings of the second augmentation, where each cycle
    returns to (default: the start sets themselves)."""
    l_return = l_start if l_return is None else l_return
    m_return = m_start if m_return is None else m_return
    if l_start.shape[-2] != m_start.shape[-2]:
        raise ConfigError(f"ACC needs two sets of the same size, got {l_start.shape[-2]} and "
                          f"{m_start.shape[-2]}")
    l_to_m = soft_nearest_neighbours(l_start, m_start, kind, temperature)
    m_to_l = soft_nearest_neighbours(m_start, l_start, kind, temperature)
    return torch.stack([cycle_back_logits(l_to_m, l_return, kind, temperature),
                        cycle_back_logits(m_to_l, m_return, kind, temperature)], dim=-3)


def acc_loss(l_start: torch.Tensor, m_start: torch.Tensor, *, l_return: torch.Tensor | None = None,
             m_return: torch.Tensor | None = None, kind: str = "squared_l2",
             temperature: float = 1.0) -> torch.Tensor:
    """The ACC loss: cross-entropy of cycling back, averaged over both directions."""
    logits = acc_logits(l_start, m_start, l_return=l_return, m_return=m_return, kind=kind,
                        temperature=temperature)
    return cycle_back_cross_entropy(l_start, logits)


def info_nce_logits(first: torch.Tensor, second: torch.Tensor, kind: str = "cosine",
                    temperature: float = 0.1) -> torch.Tensor:
    """Contrastive logits on the same primitive, both directions stacked ``(..., 2, n, n)``:
    view 1 -> view 2 and view 2 -> view 1; the positive of row i is column i."""
    return torch.stack([affinity_logits(first, second, kind, temperature),
                        affinity_logits(second, first, kind, temperature)], dim=-3)


def info_nce_loss(first: torch.Tensor, second: torch.Tensor, kind: str = "cosine",
                  temperature: float = 0.1) -> torch.Tensor:
    """InfoNCE over two augmentations of the same images (symmetric, as in NT-Xent / CLIP)."""
    return cycle_back_cross_entropy(first, info_nce_logits(first, second, kind, temperature))
