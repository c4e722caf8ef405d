"""The correlation filter's Fourier closed form equals a direct ridge-regression solve."""

import torch

from cyclekit.tracking.correlation_filter import (
    filter_response,
    gaussian_label,
    solve_filter,
    spatial_filter,
)


def _shift_matrix(features: torch.Tensor) -> torch.Tensor:
    """A[u, (l, p)] = x_l[p + u] (circular): (A w)[u] = sum_l (w_l * x_l)[u]."""
    _, size, _ = features.shape
    rows = []
    for uy in range(size):
        for ux in range(size):
            shifted = torch.roll(features, shifts=(-uy, -ux), dims=(1, 2))
            rows.append(shifted.reshape(-1))
    return torch.stack(rows)


def test_closed_form_matches_direct_solve():
    torch.manual_seed(0)
    size, channels, lam = 5, 2, 0.1
    x = torch.randn(channels, size, size, dtype=torch.float64)
    y = gaussian_label(size, 1.0, dtype=torch.float64)
    a = _shift_matrix(x)
    direct = torch.linalg.solve(a.T @ a + lam * torch.eye(a.shape[1], dtype=torch.float64),
                                a.T @ y.reshape(-1))
    filt = solve_filter(x, y, lam)
    w = spatial_filter(filt, size)
    assert torch.allclose(w.reshape(-1), direct, atol=1e-9)


def test_response_is_the_circular_correlation_with_the_filter():
    torch.manual_seed(1)
    size, channels = 6, 3
    x = torch.randn(channels, size, size, dtype=torch.float64)
    z = torch.randn(channels, size, size, dtype=torch.float64)
    filt = solve_filter(x, gaussian_label(size, 1.0, dtype=torch.float64), 1e-2)
    w = spatial_filter(filt, size)
    direct = (_shift_matrix(z) @ w.reshape(-1)).reshape(size, size)
    assert torch.allclose(filter_response(filt, z), direct, atol=1e-9)


def test_the_template_responds_with_nearly_its_label_and_blending_interpolates():
    torch.manual_seed(2)
    x = torch.randn(4, 8, 8, dtype=torch.float64)
    label = gaussian_label(8, 1.5, dtype=torch.float64)
    filt = solve_filter(x, label, 1e-6)
    assert torch.allclose(filter_response(filt, x), label, atol=1e-4)
    other = solve_filter(torch.randn(4, 8, 8, dtype=torch.float64), label, 1e-6)
    half = filt.blend(other, 0.5)
    assert torch.allclose(half.numerator, (filt.numerator + other.numerator) / 2)
