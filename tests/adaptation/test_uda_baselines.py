"""Source-only, target-only and DANN: who sees which labels, DANN's reversed adversary, and
Ganin's learning-rate annealing in the trainer."""

import copy

import pytest
import torch

from cyclekit.adaptation.domain_batch_norm import SOURCE
from cyclekit.adaptation.gradient_reversal import reversal_coefficient
from cyclekit.config import ConfigError, TrainConfig, build_config
from cyclekit.engine.loading import build_method
from cyclekit.engine.schedules import annealed_lr_factor, lr_factor
from tests.conftest import TINY_UDA
from tests.toy import make_players


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _method(name):
    config = build_config({"method": name, **copy.deepcopy(TINY_UDA[name])})
    torch.manual_seed(0)
    method = build_method(config, torch.device("cpu"))
    return method, method.make_batcher(method.load_data(config))


@pytest.mark.parametrize("name, labels", [("source_only", "x_labels"), ("dann", "x_labels"),
                                          ("target_only", "y_labels")])
def test_only_the_labelled_domain_brings_labels(name, labels):
    _, batcher = _method(name)
    assert set(batcher.next()) == {"x", "y", labels}


def test_augment_labelled_warps_the_labelled_draws_and_leaves_the_fingerprint_at_its_default():
    raw = copy.deepcopy(TINY_UDA["source_only"])
    plain = build_config({"method": "source_only", **raw})
    raw["data"]["augment_labelled"] = True
    warped = build_config({"method": "source_only", **raw})
    assert plain.data.augmentation() is None
    assert warped.data.augmentation().max_scale == 1.4
    assert warped.fingerprint() != plain.fingerprint()
    assert build_config({"method": "source_only", **raw},
                        ["data.augment_labelled=false"]).fingerprint() == plain.fingerprint()
    method = build_method(warped, torch.device("cpu"))
    data = method.load_data(warped)
    batch = method.make_batcher(data).next()
    unwarped = build_method(plain, torch.device("cpu")).make_batcher(data).next()
    assert torch.equal(batch["x_labels"], unwarped["x_labels"])  # the same draws, warped
    assert torch.equal(batch["y"], unwarped["y"]) and not torch.equal(batch["x"], unwarped["x"])
    for bad in ("data.augment_scale=0.9", "data.augment_fill=grey"):
        with pytest.raises(ConfigError, match=bad.split("=")[0]):
            build_config({"method": "source_only", **copy.deepcopy(raw)}, [bad])
    assert warped.data.warp().fill == "black"
    reflected = build_config({"method": "source_only", **copy.deepcopy(raw)},
                             ["data.augment_fill=reflection"])
    assert reflected.data.warp().fill == "reflection"
    assert reflected.fingerprint() != warped.fingerprint()


def test_dann_reverses_the_discriminator_gradient_into_the_features():
    method, batcher = _method("dann")
    batch = batcher.next()
    step = method.config.train.steps // 2
    losses = method.player_losses(batch, "network", step)
    assert set(losses) == {"task", "adversarial"}
    losses["adversarial"].backward()
    feature_grad = method.network.feature[0].weight.grad.clone()
    head_grad = method.discriminator.layers[0].weight.grad.clone()

    method.zero_grad()
    features = method.network.features(torch.cat([batch["x"], batch["y"]]))
    plain = method.discriminator.adversarial_loss(features[:8], features[8:], coefficient=-1.0)
    plain.backward()  # coefficient -1: the plain gradient, not reversed
    coefficient = reversal_coefficient(step / method.config.train.steps)
    assert torch.allclose(method.discriminator.layers[0].weight.grad, head_grad)
    assert torch.allclose(feature_grad, -coefficient * method.network.feature[0].weight.grad,
                          atol=1e-6)


def _dann_with(*overrides):
    config = build_config({"method": "dann", **copy.deepcopy(TINY_UDA["dann"])}, list(overrides))
    torch.manual_seed(0)
    return build_method(config, torch.device("cpu")), config


def test_vada_target_terms_are_off_by_default_reach_the_network_and_leave_batch_norm_statistics():
    plain, plain_config = _dann_with()
    assert plain_config.fingerprint() == _dann_with("model.weight_target_entropy=0",
                                                    "model.weight_target_vat=0",
                                                    "model.vat_radius=3.5")[1].fingerprint()
    vada, _ = _dann_with("model.weight_target_entropy=0.5", "model.weight_target_vat=0.5",
                         "model.vat_radius=1.0")
    vada.load_state_dict(plain.state_dict())
    batch = plain.make_batcher(plain.load_data(plain_config)).next()
    torch.manual_seed(1)
    assert set(plain.player_losses(batch, "network", 0)) == {"task", "adversarial"}
    torch.manual_seed(1)
    losses = vada.player_losses(batch, "network", 0)
    entropy, vat = losses["target_entropy"], losses["target_vat"]
    assert 0 < float(entropy.detach()) <= 0.5 * float(torch.log(torch.tensor(10.0))) + 1e-5
    assert float(vat.detach()) > 0
    # The perturbed passes leave the running statistics as the clean pass set them.
    for name, value in vada.state_dict().items():
        if "running" in name:
            assert torch.equal(value, plain.state_dict()[name]), name
    for term in (entropy, vat):
        grads = torch.autograd.grad(term, [vada.network.trunk.layers[0].weight,
                                           vada.network.head.weight], retain_graph=True)
        assert all(g.abs().sum() > 0 for g in grads)
    for bad in ("model.weight_target_entropy=-1", "model.weight_target_vat=-1",
                "model.vat_radius=0"):
        with pytest.raises(ConfigError, match=bad.split("=")[0].split(".")[1]):
            _dann_with(bad)


def test_source_only_training_lowers_its_loss():
    method, batcher = _method("source_only")
    players = make_players(method, lr=0.05)
    history = []
    for step in range(80):
        loss = sum(method.player_losses(batcher.next(), "network", step).values())
        players.update(("network",), loss, step)
        history.append(float(loss.detach()))
    assert sum(history[-10:]) < 0.7 * sum(history[:10])


def test_dann_learning_rate_schedule():
    factor = lr_factor(TrainConfig(steps=200, lr_schedule="dann"))
    assert factor(0) == 1.0 and factor(100) == pytest.approx(annealed_lr_factor(0.5))
    assert factor(200) == pytest.approx((1 + 10) ** -0.75)


def test_bounded_feature_layers_and_bad_names_are_refused():
    spec = copy.deepcopy(TINY_UDA["dann"])
    spec["model"].update(feature_activation="sigmoid", feature_dim=12)
    config = build_config({"method": "dann", **spec})
    method = build_method(config, torch.device("cpu"))
    features = method.features(torch.randn(5, config.data.channels, config.data.image_size,
                                           config.data.image_size) * 10)
    assert features.shape == (5, 12)
    assert features.min() > 0 and features.max() < 1 and features.std() > 0
    shipped = build_config({"method": "dann", **copy.deepcopy(TINY_UDA["dann"])})
    relu = copy.deepcopy(TINY_UDA["dann"])
    relu["model"]["feature_activation"] = "relu"  # the default: checkpoints from before match
    assert build_config({"method": "dann", **relu}).fingerprint() == shipped.fingerprint()
    assert config.fingerprint() != shipped.fingerprint()
    spec["model"]["feature_activation"] = "tanh"
    method = build_method(build_config({"method": "dann", **spec}), torch.device("cpu"))
    features = method.features(torch.randn(5, config.data.channels, config.data.image_size,
                                           config.data.image_size) * 10)
    assert features.min() < 0 < features.max() and features.abs().max() < 1
    spec["model"]["feature_activation"] = "softplus"
    with pytest.raises(ConfigError, match="model.feature_activation='softplus' is not valid"):
        build_config({"method": "dann", **spec})


@pytest.mark.parametrize("method_name", ["dann", "cdlm"])
def test_input_norm_is_a_choice_of_both_methods_and_defaults_to_the_old_networks(method_name):
    spec = copy.deepcopy(TINY_UDA[method_name])
    shipped = build_config({"method": method_name, **copy.deepcopy(spec)})
    spec["model"]["input_norm"] = "none"  # the default: checkpoints from before match
    assert build_config({"method": method_name, **spec}).fingerprint() == shipped.fingerprint()
    spec["model"]["input_norm"] = "instance"
    config = build_config({"method": method_name, **spec})
    method = build_method(config, torch.device("cpu")).eval()
    size, channels = config.data.image_size, config.data.channels
    images = torch.randn(5, channels, size, size)
    with torch.no_grad():
        torch.testing.assert_close(method.classify(3 * images - 0.5), method.classify(images),
                                   rtol=1e-3, atol=1e-3)
    spec["model"]["input_norm"] = "layer"
    with pytest.raises(ConfigError, match="model.input_norm='layer' is not valid"):
        build_config({"method": method_name, **spec})


@pytest.mark.parametrize("method_name", ["dann", "cdlm"])
def test_per_domain_batch_norm_trains_and_reads_each_domain_with_its_statistics(method_name):
    spec = copy.deepcopy(TINY_UDA[method_name])
    shipped = build_config({"method": method_name, **copy.deepcopy(spec)})
    spec["model"]["batch_norm"] = "shared"  # the default: checkpoints from before match
    assert build_config({"method": method_name, **spec}).fingerprint() == shipped.fingerprint()
    spec["model"]["batch_norm"] = "per_domain"
    config = build_config({"method": method_name, **spec})
    torch.manual_seed(0)
    method = build_method(config, torch.device("cpu"))
    batcher = method.make_batcher(method.load_data(config))
    players = make_players(method, lr=0.01)
    for step in range(3):
        batch = batcher.next()
        for player, _ in method.update_schedule():
            players.update((player,), sum(method.player_losses(batch, player, step).values()),
                           step)
    method.eval()
    images = batch["y"]
    with torch.no_grad():
        logits = method.classify(images)
        as_target, as_source = method.features(images), method.features(images, SOURCE)
    assert logits.shape == (len(images), config.data.num_classes)
    assert torch.isfinite(logits).all() and torch.isfinite(as_target).all()
    assert not torch.allclose(as_target, as_source, atol=1e-4)
    spec["model"]["batch_norm"] = "per_image"
    with pytest.raises(ConfigError, match="model.batch_norm='per_image' is not valid"):
        build_config({"method": method_name, **spec})


def test_per_domain_batch_norm_is_refused_where_one_domain_is_seen():
    spec = copy.deepcopy(TINY_UDA["source_only"])
    spec["model"]["batch_norm"] = "per_domain"
    with pytest.raises(ConfigError, match="batch_norm"):
        build_config({"method": "source_only", **spec})
