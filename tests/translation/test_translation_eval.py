import pytest
import torch
from torch import nn

from cyclekit.config import build_config
from cyclekit.data.pair import load_pair
from cyclekit.translation.evaluation import (
    evaluate_translation,
    sample_rows,
    validation_losses,
)


class Identity(nn.Module):
    def __init__(self):
        super().__init__()
        self.f, self.g = nn.Identity(), nn.Identity()


def _config(tiny_settings, x, y):
    settings = {**tiny_settings, "data": {**tiny_settings["data"], "x": x, "y": y}}
    return build_config({"method": "cyclegn", **settings})


def test_identity_mappings_score_like_the_judge(tiny_settings, tmp_path):
    config = _config(tiny_settings, "digits", "digits")
    pair = load_pair(config.data)
    metrics = evaluate_translation(Identity(), pair, eval_config=config.eval, cache_dir=tmp_path,
                                   device="cpu", judge_key="t")
    assert metrics["test/cycle_l1_x"] == 0.0 and metrics["test/cycle_l1_y"] == 0.0
    # translating X to itself: the accuracy of the translations is the judge's own accuracy
    assert metrics["test/acc_x2y"] == metrics["test/acc_y2x"] == metrics["test/judge_acc_digits"]
    assert "test/ssim_x2y" not in metrics  # digits/digits is not a registered paired style


def test_paired_domains_get_image_quality(tiny_settings, tmp_path):
    config = _config(tiny_settings, "digits", "digits_m")
    config.eval.translation_accuracy = False
    pair = load_pair(config.data)
    assert pair.paired
    metrics = evaluate_translation(Identity(), pair, eval_config=config.eval, cache_dir=tmp_path,
                                   device="cpu", judge_key="t")
    assert 0 < metrics["test/ssim_x2y"] < 1 and metrics["test/psnr_x2y"] > 0
    assert metrics["test/mse_x2y"] == pytest.approx(
        float(((pair.x.test.images - pair.y.test.images) / 2).pow(2).mean()), rel=1e-4)


def test_validation_and_sample_rows(tiny_settings):
    config = _config(tiny_settings, "digits", "digits_m")
    pair = load_pair(config.data)
    assert validation_losses(Identity(), pair, "cpu") == {"val/cycle_l1_x": 0.0,
                                                          "val/cycle_l1_y": 0.0, "val/cycle_l1": 0.0}
    rows, labels = sample_rows(Identity(), pair, 3, "cpu")
    assert labels == ["x", "f(x)", "g(f(x))", "y", "g(y)", "f(g(y))"]
    assert all(row.shape == (3, 3, 16, 16) for row in rows)
    assert torch.equal(rows[1], rows[0])
