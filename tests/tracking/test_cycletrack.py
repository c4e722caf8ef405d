"""CycleTrack / CycleTrack-EM on tiny synthetic video: the two self-cyclic modes, the
reports, evaluation on held-out clips and on labelled sequences."""

import math

import numpy as np
import pytest
import torch
from lightning.fabric import Fabric
from PIL import Image

from cyclekit.config import build_config
from cyclekit.cyclic.strategies import build_strategy
from cyclekit.engine.loading import build_method
from cyclekit.engine.players import Players
from cyclekit.engine.schedules import lr_factor
from cyclekit.errors import ConfigError
from tests.conftest import TINY_CYCLETRACK


def _config(mode="half", **data):
    settings = {**TINY_CYCLETRACK, "data": {**TINY_CYCLETRACK["data"], **data}}
    return build_config({"method": "cycletrack", **settings,
                         "strategy": {"name": "self_cyclic", "self_cyclic_mode": mode}})


def _steps(config, count=2):
    torch.manual_seed(0)
    method = build_method(config, torch.device("cpu"))
    players = Players(Fabric(accelerator="cpu", devices=1), method.player_params(),
                      lambda n, p: method.make_optimizer(n, p, config.train),
                      lr_factor(config.train), max_nonfinite=0)
    data = method.load_data(config)
    batcher, strategy = method.make_batcher(data), build_strategy(config.strategy)
    losses = [strategy.step(method, batcher.next(), players, step) for step in range(count)]
    return method, data, losses


@pytest.mark.parametrize("mode, terms", [("half", {"cycle_x", "sim_x"}), ("em", {"cycle_x"})])
def test_modes_train_the_shared_tracker(mode, terms):
    torch.manual_seed(0)
    config = _config(mode)
    before = {k: v.clone() for k, v in build_method(config, torch.device("cpu")).state_dict()
              .items()}
    method, _, losses = _steps(config)
    assert method.f is method.g is method.tracker
    assert set(losses[0]) == terms and all(math.isfinite(v) for v in losses[-1].values())
    assert any(not torch.equal(before[k], v) for k, v in method.state_dict().items())
    assert method.variant == ("cycletrack_em" if mode == "em" else "cycletrack")


def test_em_forward_pass_is_frozen(monkeypatch):
    """E step: y^ = T(x, X, Y) without gradient; only T(y^, Y, X) carries it."""
    config = _config("em")
    method, data, _ = _steps(config, count=0)
    seen = []
    original = method.tracker.forward

    def spy(boxes, src, dst):
        seen.append(torch.is_grad_enabled())
        return original(boxes, src, dst)

    monkeypatch.setattr(method.tracker, "forward", spy)
    method.map_yx(method.map_xy(data.validation["x"], data.validation), data.validation)
    players = Players(Fabric(accelerator="cpu", devices=1), method.player_params(),
                      lambda n, p: method.make_optimizer(n, p, config.train),
                      lr_factor(config.train), max_nonfinite=0)
    seen.clear()
    build_strategy(config.strategy).step(method, method.make_batcher(data).next(), players, 0)
    assert seen == [False, True]


def test_cycle_loss_is_motion_weighted(monkeypatch):
    method, data, _ = _steps(_config(), count=0)
    batch = {k: v[:2] for k, v in data.validation.items()}
    x = batch["x"]
    moved = x + torch.tensor([[0.0, 0.0, 0.0, 0.0], [0.02, 0.0, 0.0, 0.0]])
    back = x + torch.tensor([[0.05, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    # the tracker sends every box back to ``back``: the pair that did not move weighs nothing
    monkeypatch.setattr(method, "map_yx", lambda y, batch=None: back)
    assert method.cycle_x_loss(x, moved, batch) == pytest.approx(0.0, abs=1e-6)
    assert method.box_loss(x, back) > 0  # unweighted, the first pair's error counts


def test_reports_and_evaluation_on_clips_and_sequences(tmp_path):
    method, data, _ = _steps(_config(), count=1)
    val = method.validation_losses(data, "cpu")
    assert set(val) == {"val/cycle_box", "val/candidate_box"}
    rows, labels = method.sample_rows(data, 2, "cpu")
    assert len(rows) == len(labels) == 3 and rows[0].shape == (2, 3, 40, 48)
    assert all(r.min() >= -1 and r.max() <= 1 for r in rows)

    _write_otb(tmp_path / "seqs" / "Clip", *data.test_clips[0][1:])
    config = _config(eval_sequences=str(tmp_path / "seqs"))
    data = method.load_data(config)
    metrics = method.evaluate(data, cache_dir=tmp_path, device="cpu")
    for key in ("test/synthetic_auc", "test/synthetic_precision", "test/auc", "test/precision",
                "test/norm_precision", "test/auc_Clip"):
        assert 0.0 <= metrics[key] <= 1.0, key
    assert metrics["test/fps"] > 0 and metrics["test/synthetic_fps"] > 0
    assert metrics["test/auc_Clip"] == pytest.approx(metrics["test/auc"])


def _write_otb(folder, frames, boxes):
    (folder / "img").mkdir(parents=True)
    for i, frame in enumerate(frames):
        Image.fromarray(frame).save(folder / "img" / f"{i + 1:04d}.png")
    one_based = np.asarray(boxes) + [1, 1, 0, 0]
    (folder / "groundtruth_rect.txt").write_text(
        "".join(",".join(f"{v:.2f}" for v in row) + "\n" for row in one_based))


def test_bad_settings_fail_in_one_line():
    with pytest.raises(ConfigError, match="data.max_gap"):
        _config(max_gap=6)
    with pytest.raises(ConfigError, match="data.proposals"):
        _config(proposals=["selective_search"])
    with pytest.raises(ConfigError, match="strategy"):
        build_config({"method": "cycletrack", **TINY_CYCLETRACK, "strategy": {"name": "joint"}})
