"""CycleGAN as a special case of SJMVI (seed 001, Eq. 18-24).

With both variances 0, critics that ignore their conditioning input (Eq. 23) and the GAN
bound, the losses SJMVI's joint step computes are the core's CycleObjective with the l2 cycle
distance (rho = 2) plus the logistic GAN on the same critic weights. With a likelihood
variance tau^2 > 0 and a degenerate posterior, NELL = gamma * l_cycle + delta.
"""

import math

import pytest
import torch

from cyclekit.config import build_config
from cyclekit.cyclic.joint import Joint
from cyclekit.cyclic.objective import CycleObjective
from cyclekit.latent.density_ratio import StandardGAN
from cyclekit.latent.models import SJMVI

WEIGHTS = {"weight_cycle_x": 10.0, "weight_cycle_y": 3.0, "weight_sim_x": 1.0,
           "weight_sim_y": 0.5}


class RecordingPlayers:
    """Stands in for the optimisers: records what the strategy would backpropagate."""

    def __init__(self):
        self.updates = []

    def update(self, names, loss, step):
        self.updates.append((tuple(names), float(loss.detach())))
        return True


class Negated(torch.nn.Module):
    """Discriminator logits of "real" from a log-ratio critic: D = 1 - sigmoid(log r)."""

    def __init__(self, critic):
        super().__init__()
        self.critic = critic

    def forward(self, value):
        return -self.critic(value)


def build(**model):
    config = build_config({
        "method": "sjmvi", "seed": 0,
        "data": {"x": "digits", "image_size": 8, "channels": 1, "prior_samples": 64,
                 "limit_test": 16, "val_size": 16},
        "model": {"hidden": 16, "depth": 1, "ratio_hidden": 8, "ratio_depth": 2, "bound": "gan",
                  "conditional_ratio": False, **WEIGHTS, **model},
        "train": {"batch_size": 8}})
    torch.manual_seed(0)
    method = SJMVI(config)
    batch = method.make_batcher(method.load_data(config)).next()
    return config, method, batch


def joint_losses(config, method, batch):
    players = RecordingPlayers()
    report = Joint(config.strategy).step(method, batch, players, 0)
    return report, players


def test_degenerate_sjmvi_is_cyclegan_with_l2_cycles_and_a_logistic_gan():
    config, method, batch = build(posterior_std=0.0, likelihood_std=0.0)
    report, players = joint_losses(config, method, batch)

    reference = CycleObjective(
        cycle_x="l2", cycle_y="l2",
        weight_cycle_x=WEIGHTS["weight_cycle_x"], weight_cycle_y=WEIGHTS["weight_cycle_y"],
        sim_x=StandardGAN(Negated(method.objective.sim_x.critic)),
        sim_y=StandardGAN(Negated(method.objective.sim_y.critic)),
        weight_sim_x=WEIGHTS["weight_sim_x"], weight_sim_y=WEIGHTS["weight_sim_y"])
    x, z = batch["x"], batch["y"]
    with torch.no_grad():  # m_phi and mu_theta: the deterministic mappings of Eq. 18-21
        fake_z, fake_x = method.f.mean(x), method.g.mean(z)
        expected = {
            "cycle_x": reference.cycle_x(x, method.g.mean(fake_z)),       # Eq. 18
            "cycle_y": reference.cycle_y(z, method.f.mean(fake_x)),       # Eq. 19
            "sim_x": reference.prior_x(fake_z),                           # Eq. 20
            "sim_y": reference.prior_y(fake_x),                           # Eq. 21
            "critic_sim_x": reference.sim_x.critic_loss(z, fake_z),
            "critic_sim_y": reference.sim_y.critic_loss(x, fake_x),
        }
    assert set(report) == set(expected)
    for name, value in expected.items():
        assert report[name] == pytest.approx(float(value), rel=1e-5, abs=1e-6), name
    mapping_total = sum(float(expected[k]) for k in ("cycle_x", "cycle_y", "sim_x", "sim_y"))
    assert players.updates[0] == (("f", "g"), pytest.approx(mapping_total, rel=1e-5))


def test_nell_is_an_affine_function_of_the_l2_cycle_loss():
    tau = 0.3
    config, method, batch = build(posterior_std=0.0, likelihood_std=tau)
    report, _ = joint_losses(config, method, batch)
    x = batch["x"]
    dims = x[0].numel()
    with torch.no_grad():
        l_cycle = float(torch.nn.functional.mse_loss(method.g.mean(method.f.mean(x)), x))
    gamma = dims / (2 * tau ** 2)
    delta = dims * (math.log(tau) + 0.5 * math.log(2 * math.pi))
    expected = WEIGHTS["weight_cycle_x"] * (gamma * l_cycle + delta)
    assert report["cycle_x"] == pytest.approx(expected, rel=1e-5)


def test_nelp_tends_to_the_affine_cycle_loss_as_the_likelihood_degenerates():
    t = 0.2
    z_dims = 2

    def nelp(tau):
        config, method, batch = build(posterior_std=t, likelihood_std=tau)
        return joint_losses(config, method, batch)[0]["cycle_y"], method, batch

    _, method, batch = build(posterior_std=t, likelihood_std=0.0)
    z = batch["y"]
    with torch.no_grad():
        l_cycle = float(torch.nn.functional.mse_loss(method.f.mean(method.g.mean(z)), z))
    gamma = z_dims / (2 * t ** 2)
    delta = z_dims * (math.log(t) + 0.5 * math.log(2 * math.pi))
    limit = WEIGHTS["weight_cycle_y"] * (gamma * l_cycle + delta)
    gaps = [abs(nelp(tau)[0] - limit) for tau in (0.3, 0.03, 0.003)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-2 * abs(limit)
