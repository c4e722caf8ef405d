import pytest
import torch
from torch import nn

from cyclekit.config import EvalConfig
from cyclekit.data.pair import DataConfig, load_pair
from cyclekit.translation.evaluation import evaluate_translation
from tests.facades_files import PerfectTranslator, register_facades, write_facades

SCORES = ("pixel_acc", "class_acc", "class_iou")


class Identity(nn.Module):
    def __init__(self):
        super().__init__()
        self.f, self.g = nn.Identity(), nn.Identity()


@pytest.fixture
def facades_dir(tmp_path, monkeypatch):
    """Generated facades files, a 3-epoch segmenter and one thread (the machine is shared)."""
    monkeypatch.setattr("cyclekit.translation.fcn_score.SEGMENTER_EPOCHS", 3)
    write_facades(tmp_path)
    register_facades(monkeypatch, tmp_path)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield tmp_path
    torch.set_num_threads(threads)


def _evaluate(method, data_dir, x, y, cache_dir, data=True):
    config = DataConfig(x=x, y=y, image_size=16, data_dir=str(data_dir), val_size=2, limit_test=5)
    pair = load_pair(config, seed=1)
    return evaluate_translation(method, pair, eval_config=EvalConfig(), cache_dir=cache_dir,
                                device="cpu", judge_key="t", data=config if data else None,
                                seed=1)


def test_fcn_scores_in_both_orders_of_the_domains(facades_dir, tmp_path):
    cache = tmp_path / "cache"
    photo_first = _evaluate(PerfectTranslator(), facades_dir, "facades_photo", "facades_labels", cache)
    labels_first = _evaluate(PerfectTranslator(), facades_dir, "facades_labels", "facades_photo", cache)
    for direction in ("label2photo", "photo2label", "real", "real_labelmap"):
        for score in SCORES:
            key = f"test/fcn_{direction}_{score}"
            assert photo_first[key] == pytest.approx(labels_first[key]), key
    # a perfect translator writes label maps the palette reads back (JPEG noise aside) and
    # photos the segmenter reads as well as the real ones
    assert photo_first["test/fcn_photo2label_pixel_acc"] > 0.95
    assert photo_first["test/fcn_label2photo_pixel_acc"] == pytest.approx(
        photo_first["test/fcn_real_pixel_acc"], abs=0.05)
    assert "test/ssim_x2y" in photo_first  # the facades halves are a paired pair
    assert list(cache.glob("fcn-facades-16px-3ch-*.safetensors"))


def test_photos_taken_for_label_maps_score_low(facades_dir, tmp_path):
    metrics = _evaluate(Identity(), facades_dir, "facades_photo", "facades_labels", tmp_path)
    assert metrics["test/fcn_photo2label_pixel_acc"] < 0.5
    assert "test/fcn_photo2label_class_iou" in metrics


def test_no_fcn_scores_without_the_data_config(facades_dir, tmp_path):
    metrics = _evaluate(Identity(), facades_dir, "facades_photo", "facades_labels", tmp_path,
                        data=False)
    assert not any(key.startswith("test/fcn_") for key in metrics)
