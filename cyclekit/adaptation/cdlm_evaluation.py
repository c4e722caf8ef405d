"""CDLM-specific evaluation: its source-like generations and its codes (Hou et al., Sec. 4).

* SSIM / PSNR / MSE (Table 4's metrics) of x~_ts = D(g1 h_t + g2 eps) against the source
  test image built from the same base image, where the domains are paired (MNIST <-> MNIST-M,
  Fashion <-> FashionM).
* :func:`codes`: h_s, h_t and the modulated codes z_st, z_ts of test images, for t-SNE (Fig. 7).
* Sample rows (Fig. 5): target images over their source-like generations.
"""

from __future__ import annotations

import torch

from cyclekit.metrics.image_quality import mse, psnr, ssim

NOISE_SEED = 4_004
BATCH = 500


@torch.no_grad()
def _batched(fn, *tensors: torch.Tensor, method, device) -> list[torch.Tensor]:
    was_training = method.training
    method.eval()
    try:
        parts = [fn(*(t[i:i + BATCH].to(device) for t in tensors))
                 for i in range(0, len(tensors[0]), BATCH)]
    finally:
        method.train(was_training)
    return [torch.cat([part[k].cpu() for part in parts]) for k in range(len(parts[0]))]


def cross_generation(method, x: torch.Tensor, partner: torch.Tensor) -> torch.Tensor:
    """D(z_st) of ``x`` modulated by ``partner`` images, with the fixed inference eps."""
    found = method.encode_pair(x, partner)
    return method.decoder(found["mean_st"] + found["std_st"] * method.inference_noise)


def codes(method, source: torch.Tensor, target: torch.Tensor, device,
          ) -> dict[str, torch.Tensor]:
    """h_s, h_t, z_st, z_ts of equally many source and target images (i-th with i-th)."""

    def one(x, y):
        found, noise = method.encode_pair(x, y), method.inference_noise
        return (found["h_s"], found["h_t"], found["mean_st"] + found["std_st"] * noise,
                found["mean_ts"] + found["std_ts"] * noise)

    count = min(len(source), len(target))
    h_s, h_t, z_st, z_ts = _batched(one, source[:count], target[:count], method=method,
                                    device=device)
    return {"h_s": h_s, "h_t": h_t, "z_st": z_st, "z_ts": z_ts}


def source_like(method, images: torch.Tensor, device) -> torch.Tensor:
    return _batched(lambda x: (method.source_like(x),), images, method=method, device=device)[0]


def generation_quality(method, pair, device) -> dict[str, float]:
    if not pair.paired:
        return {}
    generated = source_like(method, pair.y.test.images, device)
    real = pair.x.test.images
    return {"test/ssim_ts": ssim(generated, real), "test/psnr_ts": psnr(generated, real),
            "test/mse_ts": mse(generated, real)}


def sample_rows(method, pair, count: int, device) -> tuple[list[torch.Tensor], list[str]]:
    """Target images, their x~_ts; source images, their D(z_st) (modulated by the targets)."""
    x, y = pair.x.test.images[:count], pair.y.test.images[:count]
    n = min(len(x), len(y))
    x, y = x[:n], y[:n]
    cross = _batched(lambda a, b: (cross_generation(method, a, b),), x, y, method=method,
                     device=device)[0]
    return ([y, source_like(method, y, device), x, cross],
            ["target x_t", "x~_ts = D(h_t)", "source x_s", "D(z_st)"])
