"""ACC as a method: its mapping onto the self-cyclic strategy, configs, training end to end."""

import math

import numpy as np
import pytest
import torch
from lightning.fabric.utilities.seed import seed_everything

from cyclekit.affinity.affinity import acc_loss, info_nce_loss
from cyclekit.affinity.evaluation import style_measurements
from cyclekit.affinity.factors import FactorDataset
from cyclekit.config import build_config
from cyclekit.engine.checkpoint import latest_checkpoint, load_checkpoint
from cyclekit.engine.loading import build_method
from cyclekit.engine.trainer import train
from cyclekit.errors import ConfigError
from tests.conftest import TINY_ACC


def _config(**sections):
    settings = {key: dict(value) for key, value in TINY_ACC.items()}
    for section, values in sections.items():
        settings[section] = {**settings.get(section, {}), **values}
    return build_config({"method": "acc", **settings})


def _method_and_batch(config):
    torch.manual_seed(0)
    method = build_method(config, torch.device("cpu"))
    return method, method.make_batcher(method.load_data(config)).next()


def test_half_mode_loss_is_the_acc_loss_of_both_directions():
    method, batch = _method_and_batch(_config())
    soft = method.map_xy(batch["x"], batch)
    assert soft.shape == (2, 6, 2)
    loss = method.objective.cycle_x(batch["x"], method.map_yx(soft, batch))
    first, second = method.embedder(batch["x"]), method.embedder(batch["y"])
    assert loss.item() == pytest.approx(acc_loss(first, second).item(), rel=1e-5)
    assert loss.item() == pytest.approx(method.loss_on(batch).item(), rel=1e-5)


def test_em_mode_cycles_back_from_frozen_soft_neighbours_with_gradient():
    method, batch = _method_and_batch(_config())
    with torch.no_grad():
        soft = method.map_xy(batch["x"], batch)
    logits = method.map_yx(soft, batch)
    assert logits.requires_grad  # the return sets were embedded again, with gradient
    em_loss = method.objective.cycle_x(batch["x"], logits)
    em_loss.backward()
    em_grads = [p.grad.clone() for p in method.parameters()]
    method.zero_grad()
    half = method.objective.cycle_x(batch["x"], method.map_yx(method.map_xy(batch["x"], batch),
                                                              batch))
    half.backward()
    assert em_loss.item() == pytest.approx(half.item(), rel=1e-5)  # same value ...
    assert any(not torch.allclose(g, p.grad) for g, p in zip(em_grads, method.parameters()))


def test_double_augmentation_returns_to_the_second_view():
    method, batch = _method_and_batch(_config(model={"double_augmentation": True}))
    assert "x_view2" in batch
    loss = method.objective.cycle_x(batch["x"], method.map_yx(method.map_xy(batch["x"], batch),
                                                              batch))
    embed = method.embedder
    expected = acc_loss(embed(batch["x"]), embed(batch["y"]), l_return=embed(batch["x_view2"]),
                        m_return=embed(batch["y_view2"]))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_contrastive_baseline_is_info_nce_over_both_sets():
    config = _config(model={"loss": "contrastive", "double_augmentation": True,
                            "similarity": "cosine", "temperature": 0.1})
    method, batch = _method_and_batch(config)
    logits = method.map_yx(method.map_xy(batch["x"], batch), batch)
    assert logits.shape == (2, 12, 12)
    embed = method.embedder
    expected = info_nce_loss(embed(torch.cat([batch["x"], batch["y"]])),
                             embed(torch.cat([batch["x_view2"], batch["y_view2"]])), "cosine", 0.1)
    assert method.objective.cycle_x(batch["x"], logits).item() == pytest.approx(expected.item(),
                                                                                rel=1e-5)


def test_untrained_embedder_is_the_seeded_initialisation():
    config = _config()
    seed_everything(config.seed, verbose=False)  # what the trainer does before building
    method = build_method(config, torch.device("cpu"))
    with torch.no_grad():
        for parameter in method.parameters():
            parameter.add_(1.0)
    rebuilt = method.untrained_embedder()
    seed_everything(config.seed, verbose=False)
    fresh = build_method(config, torch.device("cpu")).embedder
    for a, b in zip(rebuilt.parameters(), fresh.parameters()):
        assert torch.equal(a, b)


@pytest.mark.parametrize("section, values, message", [
    ("model", {"loss": "contrastive"}, "double_augmentation"),
    ("model", {"conv_channels": [4, 8], "conv_strides": [2]}, "one stride"),
    ("model", {"similarity": "l3"}, "model.similarity"),
    ("model", {"conv_channels": [4, 8, 8, 8, 8, 8], "conv_strides": [2] * 6}, "do not fit"),
    ("data", {"dataset": "shapes3d"}, "data.dataset"),
    ("data", {"held_out_class": 9}, "held_out_class"),
    ("data", {"dataset": "mnist", "held_out_class": 12}, "held_out_class"),
    ("data", {"inactive": "shade"}, "list of factor names"),
])
def test_config_errors_say_what_to_fix(section, values, message):
    with pytest.raises(ConfigError, match=message):
        build_method(_config(**{section: values}), torch.device("cpu"))


def test_training_end_to_end_suppresses_the_inactive_factors(tmp_path):
    # Squares with both positions inactive: the trained embedding must carry less about
    # position than the network it started from.
    config = _config(data={"inactive": ["pos_x", "pos_y"], "set_size": 8},
                     model={"conv_channels": [8, 16], "dense_units": 32},
                     train={"steps": 300, "eval_every": 300, "sample_every": 300,
                            "checkpoint_every": 300, "lr": 3e-3})
    metrics = train(config, tmp_path / "run", progress=False)
    for name in ("pos_x", "pos_y", "size", "shade"):
        assert math.isfinite(metrics[f"test/mi/{name}"])
        assert 0.0 <= metrics[f"test/knn/{name}"] <= 1.0
    before = metrics["test/untrained/mi/pos_x"] + metrics["test/untrained/mi/pos_y"]
    after = metrics["test/mi/pos_x"] + metrics["test/mi/pos_y"]
    assert after < 0.5 * before
    assert metrics["test/knn/pos_x"] < metrics["test/untrained/knn/pos_x"]
    assert (tmp_path / "run" / "samples" / "final.png").is_file()


def test_style_measurements_on_synthetic_digits():
    # "digits" whose class is a bar's position and whose style is its slant and width: an
    # embedding of (slant, width) reads style, not class.
    rng = np.random.default_rng(0)
    images, labels, embedding = [], [], []
    for _ in range(300):
        label, shear, width = rng.integers(0, 3), rng.uniform(-0.4, 0.4), rng.integers(1, 4)
        image = -torch.ones(1, 28, 28)
        for row in range(4, 24):
            left = round(6 + 6 * label + shear * (14 - row))
            image[0, row, left:left + width] = 1
        images.append(image)
        labels.append(label)
        embedding.append([shear, width])
    data = FactorDataset(torch.stack(images), torch.tensor(labels).unsqueeze(1), ("digit",))
    embedding = np.array(embedding) + rng.normal(0, 0.01, (300, 2))
    train, test = data.subset(torch.arange(200)), data.subset(torch.arange(200, 300))
    values = style_measurements(embedding[:200], train, embedding[200:], test, held_out=2, seed=0)
    assert values["class_probe_accuracy"] < 0.75  # two seen classes: chance ~0.5
    assert values["r2/slant"] > 0.9 and values["r2/thickness"] > 0.8
    assert values["r2/slant_heldout"] > 0.9 and values["r2/slant_heldout_cv"] > 0.9


def test_standardised_embedding_cannot_shrink_in_training_and_uses_running_statistics():
    method, batch = _method_and_batch(_config(model={"standardise_embedding": True}))
    with torch.no_grad():
        method.embedder.head[2].weight.mul_(0.1)  # what a shrinking embedding looks like
        embeddings = method.embedder(batch["x"])
        assert torch.allclose(embeddings.mean(0), torch.zeros(2), atol=1e-4)
        assert torch.allclose(embeddings.var(0, unbiased=False), torch.ones(2), atol=2e-2)
        method.embedder.eval()  # evaluation: the running statistics, not the batch's
        assert embeddings.std(0).min() > 5 * method.embedder(batch["x"]).std(0).max()
    plain, _ = _method_and_batch(_config())
    assert not any(isinstance(m, torch.nn.BatchNorm1d) for m in plain.embedder.modules())


@pytest.mark.parametrize("standardise", [False, True])
def test_resumed_training_matches_uninterrupted_training(tmp_path, standardise):
    def config(steps):
        return _config(train={"steps": steps, "decay_start": 1.0, "eval_every": 4,
                              "sample_every": 8, "checkpoint_every": 4},
                       model={"double_augmentation": True,
                              "standardise_embedding": standardise})

    train(config(8), tmp_path / "straight", progress=False)
    train(config(4), tmp_path / "resumed", progress=False)
    train(config(8), tmp_path / "resumed", resume=True, progress=False)
    weights = []
    for name in ("straight", "resumed"):
        method = build_method(config(8), torch.device("cpu"))
        load_checkpoint(latest_checkpoint(tmp_path / name / "checkpoints"), method,
                        fingerprint=config(8).fingerprint())
        weights.append(method.state_dict())
    for key, value in weights[0].items():
        assert torch.equal(value, weights[1][key]), key
