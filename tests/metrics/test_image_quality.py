import math

import pytest
import torch
from torchmetrics.functional.image import structural_similarity_index_measure

from cyclekit.metrics.image_quality import SSIM_CHUNK, mse, psnr, ssim


def test_identical_images():
    images = torch.rand(3, 3, 32, 32) * 2 - 1
    assert ssim(images, images) == pytest.approx(1.0)
    assert math.isinf(psnr(images, images))
    assert mse(images, images) == 0.0


def test_psnr_of_known_mse():
    # A shift of 0.2 in [-1, 1] is 0.1 in [0, 1]: MSE 0.01, PSNR 20 dB.
    a = torch.full((2, 1, 16, 16), -0.5)
    b = a + 0.2
    assert mse(a, b) == pytest.approx(0.01, rel=1e-4)
    assert psnr(a, b) == pytest.approx(20.0, abs=1e-3)


def test_psnr_is_mean_over_images():
    a = torch.zeros(2, 1, 16, 16)
    b = a.clone()
    b[0] += 0.2  # 20 dB
    b[1] += 0.02  # 40 dB
    assert psnr(a, b) == pytest.approx(30.0, abs=1e-3)


def test_ssim_drops_for_noise():
    torch.manual_seed(0)
    images = torch.rand(2, 1, 32, 32) * 2 - 1
    assert ssim(images, (images + torch.randn_like(images)).clamp(-1, 1)) < 0.5


def test_ssim_in_chunks_is_the_mean_over_the_whole_batch():
    torch.manual_seed(0)
    a = torch.rand(2 * SSIM_CHUNK + 5, 3, 16, 16) * 2 - 1
    b = (a + 0.3 * torch.randn_like(a)).clamp(-1, 1)
    whole = structural_similarity_index_measure((a + 1) / 2, (b + 1) / 2, data_range=1.0)
    assert ssim(a, b) == pytest.approx(float(whole), abs=1e-6)


def test_shape_mismatch():
    with pytest.raises(ValueError):
        ssim(torch.zeros(1, 1, 16, 16), torch.zeros(1, 3, 16, 16))
