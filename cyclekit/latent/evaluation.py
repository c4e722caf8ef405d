"""Evaluation of implicit latent variable models (Tiao et al.'s MNIST table and figure).

* MSE x: held-out test images against their reconstructions through the encoder mean and
  the decoder mean, per pixel, on the [0, 1] pixel scale (images are stored in [-1, 1]).
* MSE z: 10 000 fresh prior samples against their round trip decoder mean -> encoder mean,
  per latent dimension. The samples come from a fixed generator (the same for every run and
  seed) and are not the training collection Z*.
* Figures: prior samples; encoder means of the test set coloured by class; decoder means
  over a 20 x 20 uniform grid of z spanning the prior's 0.5-99.5 % quantiles.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from cyclekit.latent.figures import save_decoder_manifold, save_latent_scatter

EVAL_PRIOR_SAMPLES = 10_000
EVAL_PRIOR_SEED = 1_000_003
VAL_PRIOR_SAMPLES = 1_000
VAL_PRIOR_SEED = 1_000_033
BATCH = 1_000


def fresh_prior_samples(data, count: int, seed: int) -> torch.Tensor:
    """``count`` draws of the named prior from a generator seeded with ``seed``."""
    return data.prior.sample(count, torch.Generator().manual_seed(seed))


@torch.no_grad()
def apply(fn: Callable[[torch.Tensor], torch.Tensor], values: torch.Tensor, method, device,
          ) -> torch.Tensor:
    """``fn`` over ``values`` in batches, with ``method`` in eval mode; a CPU tensor."""
    was_training = method.training
    method.eval()
    try:
        outputs = [fn(values[i:i + BATCH].to(device)).cpu() for i in range(0, len(values), BATCH)]
    finally:
        method.train(was_training)
    return torch.cat(outputs)


def reconstruct_x(method, images: torch.Tensor, device) -> torch.Tensor:
    return apply(lambda x: method.decode_mean(method.encode_mean(x)), images, method, device)


def reconstruct_z(method, codes: torch.Tensor, device) -> torch.Tensor:
    return apply(lambda z: method.encode_mean(method.decode_mean(z)), codes, method, device)


def mse_x(images: torch.Tensor, reconstructions: torch.Tensor) -> float:
    """Per-pixel MSE on the [0, 1] scale of images stored in [-1, 1]."""
    return float((((images - reconstructions) / 2) ** 2).mean())


def mse_z(codes: torch.Tensor, reconstructions: torch.Tensor) -> float:
    """Per-dimension MSE of latent codes."""
    return float(((codes - reconstructions) ** 2).mean())


def validation_losses(method, data, device) -> dict[str, float]:
    """MSE x on the validation slice of the training images, MSE z on 1 000 prior samples, and
    ``val/cycle_l1`` (mean absolute error of both round trips) for ``best_val_cycle``."""
    images = data.x.val.images
    if len(images) == 0:
        return {}
    codes = fresh_prior_samples(data, VAL_PRIOR_SAMPLES, VAL_PRIOR_SEED)
    images_rec, codes_rec = reconstruct_x(method, images, device), reconstruct_z(method, codes, device)
    cycle_x = float((images - images_rec).abs().mean())
    cycle_z = float((codes - codes_rec).abs().mean())
    return {"val/mse_x": mse_x(images, images_rec), "val/mse_z": mse_z(codes, codes_rec),
            "val/cycle_l1_x": cycle_x, "val/cycle_l1_y": cycle_z,
            "val/cycle_l1": 0.5 * (cycle_x + cycle_z)}


def sample_rows(method, data, count: int, device) -> tuple[list[torch.Tensor], list[str]]:
    """Test images, their reconstructions, and decodings of prior samples."""
    images = data.x.test.images[:count]
    codes = fresh_prior_samples(data, count, EVAL_PRIOR_SEED)
    return ([images, reconstruct_x(method, images, device),
             apply(method.decode_mean, codes, method, device)],
            ["x", "g(f(x))", "g(z*)"])


def evaluate(method, data, *, device) -> dict[str, float]:
    """``test/mse_x`` and ``test/mse_z`` (module docstring for the protocol)."""
    images = data.x.test.images
    codes = fresh_prior_samples(data, EVAL_PRIOR_SAMPLES, EVAL_PRIOR_SEED)
    return {"test/mse_x": mse_x(images, reconstruct_x(method, images, device)),
            "test/mse_z": mse_z(codes, reconstruct_z(method, codes, device))}


def save_latent_figures(method, data, out_dir: str | Path, prefix: str, *, device="cpu",
                        ) -> list[Path]:
    """The three figures of the poster for a trained ``method``: ``{prefix}_prior.png``,
    ``{prefix}_codes.png``, ``{prefix}_manifold.png`` in ``out_dir``."""
    out_dir = Path(out_dir)
    prior = fresh_prior_samples(data, EVAL_PRIOR_SAMPLES, EVAL_PRIOR_SEED)
    low = torch.quantile(prior, 0.005, dim=0).tolist()
    high = torch.quantile(prior, 0.995, dim=0).tolist()
    margin = [(h - lo) * 0.1 for lo, h in zip(low, high)]
    limits = tuple((lo - m, h + m) for lo, h, m in zip(low, high, margin))
    codes = apply(method.encode_mean, data.x.test.images, method, device)
    return [
        save_latent_scatter(prior, out_dir / f"{prefix}_prior.png", limits=limits,
                            title=f"{len(prior)} samples of the {data.prior_name} prior"),
        save_latent_scatter(codes, out_dir / f"{prefix}_codes.png", labels=data.x.test.labels,
                            limits=limits, title="encoder means of the test set"),
        save_decoder_manifold(lambda z: apply(method.decode_mean, z, method, device),
                              out_dir / f"{prefix}_manifold.png", z1_range=(low[0], high[0]),
                              z2_range=(low[1], high[1])),
    ]
