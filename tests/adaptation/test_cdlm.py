"""CDLM (seed 004): the modulation equations, the KL, the two players, and that training
on a tiny problem lowers its losses."""

import copy

import pytest
import torch

from cyclekit.adaptation.cdlm import gaussian_kl
from cyclekit.adaptation.cdlm_modulation import modulate
from cyclekit.config import build_config
from cyclekit.engine.loading import build_method
from cyclekit.errors import ConfigError
from tests.conftest import TINY_UDA
from tests.toy import make_players

MU = torch.tensor([[0.5, -1.0]])
SIGMA = torch.tensor([[2.0, 0.5]])
PARTNER_SIGMA = torch.tensor([[1.0, 1.5]])
PARTNER_H = torch.tensor([[0.25, 0.75]])
EPS = torch.tensor([[1.0, -2.0]])


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny networks run fastest on one thread (and do not fight other processes for cores)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _z(modulation, gamma1=1.0, gamma2=0.1):
    mean, std = modulate(modulation, MU, SIGMA, PARTNER_SIGMA, PARTNER_H, gamma1, gamma2)
    return mean + std * EPS


def test_full_modulation_is_equation_1():
    # z_st = mu_s + sigma_s * (g1 h_t + g2 eps)
    expected = torch.tensor([[0.5 + 2.0 * (0.25 + 0.1 * 1.0), -1.0 + 0.5 * (0.75 + 0.1 * -2.0)]])
    assert torch.allclose(_z("full"), expected)
    assert torch.allclose(_z("full", 0.9, 0.0), MU + SIGMA * 0.9 * PARTNER_H)


def test_partial_modulations_are_equations_11_and_15():
    # PM1: mu + (sigma_s + sigma_t) / 2 * eps; PM2: mu_s + sigma_t * eps
    assert torch.allclose(_z("pm1"), torch.tensor([[0.5 + 1.5 * 1.0, -1.0 + 1.0 * -2.0]]))
    assert torch.allclose(_z("pm2"), torch.tensor([[0.5 + 1.0 * 1.0, -1.0 + 1.5 * -2.0]]))
    with pytest.raises(ValueError, match="pm1"):
        modulate("pm3", MU, SIGMA, PARTNER_SIGMA, PARTNER_H, 1.0, 0.1)


def test_kl_to_the_standard_normal_is_exact():
    mean, std = torch.tensor([[0.3, -1.2], [2.0, 0.0]]), torch.tensor([[0.5, 1.0], [1.5, 0.2]])
    expected = torch.distributions.kl_divergence(torch.distributions.Normal(mean, std),
                                                 torch.distributions.Normal(0.0, 1.0)).sum(1).mean()
    assert torch.allclose(gaussian_kl(mean, std), expected)
    assert gaussian_kl(torch.zeros(3, 4), torch.ones(3, 4)) == 0.0


def _tiny(**model):
    settings = copy.deepcopy(TINY_UDA["cdlm"])
    settings["model"].update(model)
    settings["data"].update({"limit_train": 200, "val_size": 8})
    return build_config({"method": "cdlm", **settings})


def test_players_own_disjoint_parameters_and_update_only_their_own():
    config = _tiny()
    torch.manual_seed(0)
    method = build_method(config, torch.device("cpu"))
    params = method.player_params()
    assert set(params) == {"encoder", "decoder"}
    ids = [{id(p) for p in group} for group in params.values()]
    assert not ids[0] & ids[1] and len(ids[0] | ids[1]) == len(list(method.parameters()))
    batch = method.make_batcher(method.load_data(config)).next()
    assert set(batch) == {"x", "y", "x_labels"}  # no target labels in training batches
    players = make_players(method)
    decoder_before = [p.detach().clone() for p in params["decoder"]]
    losses = method.player_losses(batch, "encoder", 0)
    assert set(losses) == {"adversarial", "kl", "reconstruction", "feature_task", "image_task"}
    players.update(("encoder",), sum(losses.values()), 0)
    assert all(torch.equal(a, b) for a, b in zip(decoder_before, params["decoder"]))
    assert set(method.player_losses(batch, "decoder", 0)) == {
        "reconstruction", "consistency_s", "consistency_t", "image_task"}


def test_without_classify_generations_the_task_loss_never_reaches_the_generations():
    config = _tiny(classify_generations=False)
    torch.manual_seed(0)
    method = build_method(config, torch.device("cpu"))
    batch = method.make_batcher(method.load_data(config)).next()
    assert "image_task" not in method.player_losses(batch, "encoder", 0)
    task = method.player_losses(batch, "decoder", 0)["image_task"]
    decoder_grads = torch.autograd.grad(task, list(method.decoder.parameters()),
                                        allow_unused=True)
    assert all(g is None for g in decoder_grads)
    on = build_method(_tiny(), torch.device("cpu"))
    task = on.player_losses(batch, "decoder", 0)["image_task"]
    assert any(g is not None and g.abs().sum() > 0 for g in torch.autograd.grad(
        task, list(on.decoder.parameters()), allow_unused=True))


@pytest.mark.parametrize("key, loss", [("weight_target_entropy", "target_entropy"),
                                       ("weight_target_balance", "target_balance")])
def test_target_terms_are_off_by_default_and_reach_the_encoder_through_both_predictions(key, loss):
    assert _tiny().fingerprint() == _tiny(**{key: 0.0}).fingerprint()
    config = _tiny(**{key: 0.5})
    torch.manual_seed(0)
    method = build_method(config, torch.device("cpu"))
    batch = method.make_batcher(method.load_data(config)).next()
    losses = method.player_losses(batch, "encoder", 0)
    assert set(losses) == {"adversarial", "kl", "reconstruction", "feature_task", "image_task",
                           loss}
    term = losses[loss]
    # Each of the two predictions' terms lies in [0, log K].
    assert 0 < float(term.detach()) <= 0.5 * 2 * float(torch.log(torch.tensor(10.0))) + 1e-5
    grads = torch.autograd.grad(term, [method.encoder.h.weight, method.classifier.head.weight,
                                       method.feature_classifier.weight])
    assert all(g.abs().sum() > 0 for g in grads)
    with pytest.raises(ConfigError, match=key):
        _tiny(**{key: -1.0})


def test_target_balance_leaves_the_entropy_term_as_it_was():
    with_entropy = _tiny(weight_target_entropy=0.5)
    torch.manual_seed(0)
    method = build_method(with_entropy, torch.device("cpu"))
    batch = method.make_batcher(method.load_data(with_entropy)).next()
    torch.manual_seed(1)
    alone = method.player_losses(batch, "encoder", 0)
    both = _tiny(weight_target_entropy=0.5, weight_target_balance=0.5)
    torch.manual_seed(0)
    combined = build_method(both, torch.device("cpu"))
    combined.load_state_dict(method.state_dict())
    torch.manual_seed(1)
    losses = combined.player_losses(batch, "encoder", 0)
    assert set(losses) == set(alone) | {"target_balance"}
    assert all(torch.equal(losses[key], alone[key]) for key in alone)


def test_target_vat_is_off_by_default_reaches_the_encoder_and_leaves_batch_norm_statistics():
    assert _tiny().fingerprint() == _tiny(weight_target_vat=0.0, vat_radius=3.5).fingerprint()
    config = _tiny(weight_target_vat=0.5)
    torch.manual_seed(0)
    method = build_method(config, torch.device("cpu"))
    batch = method.make_batcher(method.load_data(config)).next()
    without_vat = _tiny()
    torch.manual_seed(0)
    reference = build_method(without_vat, torch.device("cpu"))
    reference.load_state_dict(method.state_dict())
    torch.manual_seed(1)
    losses = method.player_losses(batch, "encoder", 0)
    torch.manual_seed(1)
    assert "target_vat" not in reference.player_losses(batch, "encoder", 0)
    assert float(losses["target_vat"].detach()) > 0
    # The perturbed passes leave the running statistics as the clean passes set them.
    for name, value in method.state_dict().items():
        if "running" in name:
            assert torch.equal(value, reference.state_dict()[name]), name
    grads = torch.autograd.grad(losses["target_vat"], [method.encoder.h.weight,
                                                       method.feature_classifier.weight])
    assert all(g.abs().sum() > 0 for g in grads)
    with pytest.raises(ConfigError, match="vat_radius"):
        _tiny(vat_radius=0.0)


@pytest.mark.parametrize("code", ["vector", "spatial"])
def test_alternating_training_lowers_the_losses_on_a_tiny_problem(code):
    config = _tiny(latent_dim=16, width=8, decoder_width=8, classifier_width=8, code=code,
                   code_channels=2)
    torch.manual_seed(0)
    method = build_method(config, torch.device("cpu"))
    players = make_players(method, lr=0.01)
    strategy = method.make_training_step()
    batcher = method.make_batcher(method.load_data(config))
    history = [strategy.step(method, batcher.next(), players, step) for step in range(150)]
    assert all(torch.isfinite(torch.tensor(list(h.values()))).all() for h in history)

    def mean(key, part):
        return sum(h[key] for h in part) / len(part)

    for key in ("decoder/reconstruction", "encoder/feature_task"):
        assert mean(key, history[-20:]) < 0.8 * mean(key, history[:20]), key


def test_spatial_code_has_code_channels_maps_at_a_quarter_of_the_image_size():
    config = _tiny(code="spatial", code_channels=3)
    method = build_method(config, torch.device("cpu"))
    images = method.load_data(config).y.test.images[:5]  # 16 px
    mu, sigma, h = method.encoder(images)
    assert mu.shape == sigma.shape == h.shape == (5, 3 * 4 * 4)
    assert method.inference_noise.shape == (3 * 4 * 4,)
    assert method.classify(images).shape == (5, 10)
    assert method.classify_features(images).shape == (5, 10)
    with pytest.raises(ConfigError, match="model.code"):
        _tiny(code="grid")


def test_inference_is_deterministic_and_per_image():
    config = _tiny()
    torch.manual_seed(0)
    method = build_method(config, torch.device("cpu")).eval()
    images = method.load_data(config).y.test.images[:6]
    with torch.no_grad():
        together = method.classify(images)
        alone = torch.cat([method.classify(images[i:i + 1]) for i in range(6)])
        assert torch.allclose(together, alone, atol=1e-5)
        assert torch.equal(method.source_like(images), method.source_like(images))


def test_codes_for_tsne_pair_source_and_target_images():
    from cyclekit.adaptation.cdlm_evaluation import codes

    config = _tiny()
    torch.manual_seed(0)
    method = build_method(config, torch.device("cpu"))
    data = method.load_data(config)
    found = codes(method, data.x.test.images[:10], data.y.test.images[:7], "cpu")
    assert {key: tuple(value.shape) for key, value in found.items()} == {
        "h_s": (7, 8), "h_t": (7, 8), "z_st": (7, 8), "z_ts": (7, 8)}
    assert method.training  # restored after the evaluation pass
