import math

import pytest
import torch

from cyclekit.affinity.affinity import (
    SIMILARITIES,
    acc_logits,
    acc_loss,
    cycle_back_cross_entropy,
    info_nce_loss,
    pairwise_similarity,
    soft_nearest_neighbours,
)
from cyclekit.errors import ConfigError


def _naive_similarity(u, v, kind):
    if kind == "cosine":
        return sum(a * b for a, b in zip(u, v)) / (math.hypot(*u) * math.hypot(*v))
    diffs = [abs(a - b) for a, b in zip(u, v)]
    return -{"squared_l2": sum(d * d for d in diffs), "l2": math.sqrt(sum(d * d for d in diffs)),
             "l1": sum(diffs), "linf": max(diffs)}[kind]


def _naive_direction(start, other, returns, kind, tau):
    """Definition 2 then Definition 1's cross-entropy, one point at a time."""
    losses = []
    for i, point in enumerate(start):
        weights = [math.exp(_naive_similarity(point, m, kind) / tau) for m in other]
        soft = [sum(w * m[d] for w, m in zip(weights, other)) / sum(weights)
                for d in range(len(point))]
        logits = [_naive_similarity(soft, r, kind) / tau for r in returns]
        losses.append(math.log(sum(math.exp(o) for o in logits)) - logits[i])
    return sum(losses) / len(losses)


def test_hand_computed_three_point_case():
    # L = M = {0, 1, 2} in 1-D, squared L2, tau = 1.
    # l=0: m~ = (e^-1 + 2 e^-4) / (1 + e^-1 + e^-4) = 0.291813; logits -(m~ - l_k)^2 =
    #      (-0.085155, -0.501528, -2.917900); CE = log(1.578021) + 0.085155 = 0.541327
    # l=1: m~ = 1; logits (-1, 0, -1); CE = log(1 + 2 e^-1) = 0.551444;  l=2 mirrors l=0.
    points = torch.tensor([[0.0], [1.0], [2.0]])
    expected = (2 * 0.541327 + 0.551445) / 3
    assert acc_loss(points, points).item() == pytest.approx(expected, abs=2e-6)
    soft = soft_nearest_neighbours(points, points)
    assert soft[:, 0].tolist() == pytest.approx([0.291813, 1.0, 1.708187], abs=1e-6)


def test_identical_well_separated_sets_cycle_back_perfectly():
    points = torch.randn(16, 2) * 0.01 + 20 * torch.arange(16.0).unsqueeze(1)
    for kind in SIMILARITIES:
        if kind != "cosine":
            assert acc_loss(points, points, kind=kind).item() < 1e-6, kind
    on_circle = torch.stack([torch.cos(torch.arange(8.0) * math.pi / 4),
                             torch.sin(torch.arange(8.0) * math.pi / 4)], 1)
    assert acc_loss(on_circle, on_circle, kind="cosine", temperature=0.01).item() < 1e-6


def test_collapsed_sets_give_log_n():
    points = torch.zeros(5, 3)
    assert acc_loss(points, points).item() == pytest.approx(math.log(5))


@pytest.mark.parametrize("kind", SIMILARITIES)
def test_batched_equals_naive_loop(kind):
    generator = torch.Generator().manual_seed(3)
    l_start, m_start, l_return, m_return = (
        torch.randn(6, 3, generator=generator, dtype=torch.float64) for _ in range(4))
    batched = acc_loss(l_start, m_start, l_return=l_return, m_return=m_return, kind=kind,
                       temperature=0.7).item()
    lists = [t.tolist() for t in (l_start, m_start, l_return, m_return)]
    naive = (_naive_direction(lists[0], lists[1], lists[2], kind, 0.7)
             + _naive_direction(lists[1], lists[0], lists[3], kind, 0.7)) / 2
    assert batched == pytest.approx(naive, rel=1e-9)


def test_leading_batch_dimensions_are_independent_problems():
    l_start, m_start = torch.randn(3, 5, 2), torch.randn(3, 5, 2)
    together = acc_logits(l_start, m_start)
    assert together.shape == (3, 2, 5, 5)
    for k in range(3):
        assert torch.allclose(together[k], acc_logits(l_start[k], m_start[k]))


def test_l2_gradient_is_finite_at_zero_distance():
    points = torch.zeros(4, 2, requires_grad=True)
    acc_loss(points, points, kind="l2").backward()
    assert torch.isfinite(points.grad).all()


def test_similarities_order_by_closeness_and_reject_unknown_kinds():
    u, v = torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 0.1], [-1.0, 0.0]])
    for kind in SIMILARITIES:
        near, far = pairwise_similarity(u, v, kind)[0]
        assert near > far, kind
    with pytest.raises(ConfigError, match="unknown similarity"):
        pairwise_similarity(u, v, "l3")
    with pytest.raises(ConfigError, match="temperature"):
        acc_loss(u, u, temperature=0.0)
    with pytest.raises(ConfigError, match="same size"):
        acc_loss(u, v)
    with pytest.raises(ConfigError, match="square"):
        cycle_back_cross_entropy(u, torch.zeros(2, 3))


def test_info_nce_is_low_for_matching_views_and_high_for_swapped_ones():
    views = torch.eye(6) * 5
    assert info_nce_loss(views, views, temperature=0.01).item() < 1e-6
    swapped = views[torch.tensor([1, 0, 3, 2, 5, 4])]
    assert info_nce_loss(views, swapped, temperature=0.1).item() > 5
