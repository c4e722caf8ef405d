"""Implicit latent variable models (seed 001): SJMVI, VAE and AVB on 8x8 digits."""

import copy
import json
import math

import pytest
import torch
from lightning.fabric import Fabric

from cyclekit.config import build_config
from cyclekit.cyclic.strategies import build_strategy
from cyclekit.engine.loading import build_method
from cyclekit.engine.players import Players
from cyclekit.engine.schedules import lr_factor
from cyclekit.engine.trainer import train
from cyclekit.errors import ConfigError
from tests.conftest import TINY_ILVM, TINY_ILVM_RATIO


@pytest.fixture(autouse=True)
def one_thread():
    """One thread: tiny networks gain nothing from more, and the CPU is shared."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def config_for(name, **sections):
    settings = copy.deepcopy(TINY_ILVM if name == "vae" else TINY_ILVM_RATIO)
    for section, values in sections.items():
        settings[section] = {**settings.get(section, {}), **values}
    return build_config({"method": name, **settings})


def run_steps(config, steps):
    torch.manual_seed(config.seed)
    method = build_method(config, torch.device("cpu"))
    players = Players(Fabric(accelerator="cpu", devices=1), method.player_params(),
                      lambda n, p: method.make_optimizer(n, p, config.train),
                      lr_factor(config.train), max_nonfinite=0)
    strategy = build_strategy(config.strategy)
    batcher = method.make_batcher(method.load_data(config))
    history = [strategy.step(method, batcher.next(), players, step) for step in range(steps)]
    return method, history


@pytest.mark.parametrize("name, model", [
    ("sjmvi", {"bound": "kl"}), ("sjmvi", {"bound": "gan"}), ("vae", {}), ("avb", {})])
def test_losses_are_finite_and_the_reconstruction_loss_decreases(name, model):
    config = config_for(name, model={"hidden": 32, **model},
                        train={"steps": 60, "batch_size": 32, "lr": 3e-3, "beta1": 0.9,
                               "decay_start": 1.0})
    _, history = run_steps(config, 60)
    assert all(math.isfinite(v) for losses in history for v in losses.values())
    first = sum(h["cycle_x"] for h in history[:10]) / 10
    last = sum(h["cycle_x"] for h in history[-10:]) / 10
    assert last < first - 1.0, (first, last)  # NELL in nats per image
    expected = {"sjmvi": {"cycle_x", "cycle_y", "sim_x", "sim_y", "critic_sim_x", "critic_sim_y"},
                "vae": {"cycle_x", "sim_x"}, "avb": {"cycle_x", "sim_x", "critic_sim_x"}}[name]
    assert set(history[0]) == expected


@pytest.mark.parametrize("name", ["sjmvi", "vae", "avb"])
def test_train_end_to_end_writes_latent_metrics(name, tmp_path):
    config = config_for(name)
    metrics = train(config, tmp_path / name, progress=False)
    for key in ("test/mse_x", "test/mse_z"):
        assert math.isfinite(metrics[key]) and metrics[key] >= 0
    assert metrics["test/mse_x"] <= 1.0  # [0, 1] pixel scale
    assert (tmp_path / name / "samples" / "final.png").is_file()
    records = [json.loads(line) for line in (tmp_path / name / "metrics.jsonl").open()]
    assert any("val/mse_z" in record for record in records)


def test_observed_inputs_draw_with_the_batch_noise_and_cycle_inputs_get_the_mean():
    config = config_for("sjmvi", model={"posterior_std": 0.5, "likelihood_std": 0.2})
    method = build_method(config, torch.device("cpu"))
    batch = method.make_batcher(method.load_data(config)).next()
    with torch.no_grad():
        draw = method.map_xy(batch["x"], batch)
        assert torch.allclose(draw, method.f.mean(batch["x"]) + 0.5 * batch["eps"], atol=1e-6)
        assert torch.equal(method.map_xy(batch["x"].clone(), batch), method.f.mean(batch["x"]))
        x_draw = method.map_yx(batch["y"], batch)
        assert torch.allclose(x_draw, method.g.mean(batch["y"]) + 0.2 * batch["xi"], atol=1e-6)
        assert method.g.mean(batch["y"]).abs().max() <= 1.0  # bounded decoder mean


def test_learned_variances_are_parameters_of_their_mappings():
    config = config_for("sjmvi", model={"learn_posterior_std": True,
                                        "learn_likelihood_std": True})
    method = build_method(config, torch.device("cpu"))
    players = method.player_params()
    assert any(p is method.f.log_std for p in players["f"])
    assert any(p is method.g.log_std for p in players["g"])
    _, history = run_steps(config, 3)
    assert all(math.isfinite(v) for v in history[-1].values())


def test_configuration_errors():
    with pytest.raises(ConfigError, match="given by samples only"):
        build_method(config_for("vae", data={"prior": "swiss_roll"}), torch.device("cpu"))
    with pytest.raises(ConfigError, match="latent_dim"):
        build_method(config_for("sjmvi", model={"latent_dim": 3}), torch.device("cpu"))
    with pytest.raises(ConfigError, match="learn_posterior_std"):
        config_for("sjmvi", model={"posterior_std": 0.0, "learn_posterior_std": True})
    with pytest.raises(ConfigError, match="bound"):
        config_for("sjmvi", model={"bound": "wasserstein"})


def test_sample_only_prior_trains_sjmvi_and_avb():
    for name in ("sjmvi", "avb"):
        config = config_for(name, data={"prior": "swiss_roll", "prior_samples": None})
        _, history = run_steps(config, 3)
        assert all(math.isfinite(v) for v in history[-1].values())


def test_avb_encoder_mean_is_deterministic():
    config = config_for("avb")
    method = build_method(config, torch.device("cpu"))
    x = method.load_data(config).x.test.images[:5]
    with torch.no_grad():
        assert torch.equal(method.encode_mean(x), method.encode_mean(x))
