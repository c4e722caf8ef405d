import pytest
import torch

from cyclekit.cyclic.strategies import build_strategy
from tests.toy import (
    LinearPair,
    SharedShift,
    gaussian_domains,
    make_players,
    strategy_config,
)


def _cycle_errors(method, x, y):
    with torch.no_grad():
        return (float(((method.g(method.f(x)) - x) ** 2).mean()),
                float(((method.f(method.g(y)) - y) ** 2).mean()))


def _train(method, strategy, x, y, steps, batch=64, **extra):
    players = make_players(method)
    generator = torch.Generator().manual_seed(1)
    for step in range(steps):
        i = torch.randint(len(x), (batch,), generator=generator)
        j = torch.randint(len(y), (batch,), generator=generator)
        strategy.step(method, {"x": x[i], "y": y[j], **extra}, players, step)
    return players


def test_dual_em_reaches_low_cycle_error_on_linear_gaussians():
    torch.manual_seed(0)
    x, y = gaussian_domains(2048)
    method = LinearPair()
    before = _cycle_errors(method, x, y)
    strategy = build_strategy(strategy_config(name="em", check_every=10, min_inner_steps=20,
                                              max_inner_steps=100, tolerance=0.01))
    _train(method, strategy, x, y, steps=800)
    after = _cycle_errors(method, x, y)
    assert after[0] < 1e-3 and after[1] < 1e-3, (before, after)
    events = strategy.drain_events()
    assert len(events) >= 4
    assert [e["phase"] for e in events[:4]] == ["g", "f", "g", "f"]
    assert all(e["event"] == "em_switch" and e["reason"] in ("converged", "max_steps")
               for e in events)
    assert all(20 <= e["inner_steps"] <= 100 for e in events)


def test_dual_em_updates_only_the_phase_player():
    x, y = gaussian_domains(256)
    method = LinearPair()
    strategy = build_strategy(strategy_config(name="em", first_phase="g"))
    f_before = [p.clone() for p in method.f.parameters()]
    g_before = [p.clone() for p in method.g.parameters()]
    _train(method, strategy, x, y, steps=3)
    assert all(torch.equal(a, b) for a, b in zip(f_before, method.f.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(g_before, method.g.parameters()))
    assert strategy.state_dict()["phase"] == "g"


def test_joint_reaches_low_cycle_error_on_linear_gaussians():
    torch.manual_seed(0)
    x, y = gaussian_domains(2048)
    method = LinearPair()
    _train(method, build_strategy(strategy_config(name="joint")), x, y, steps=600)
    after = _cycle_errors(method, x, y)
    assert after[0] < 1e-3 and after[1] < 1e-3, after


@pytest.mark.parametrize("mode", ["half", "em"])
def test_self_cyclic_modes_make_the_shared_mapping_cycle_consistent(mode):
    torch.manual_seed(0)
    method = SharedShift()
    assert set(method.player_params()) == {"f"}
    x = torch.randn(512, 2)
    batch = {"x": x, "y": x, "shift": torch.randn(512, 2)}

    def cycle_error():
        with torch.no_grad():
            return float(((method.map_yx(method.map_xy(x, batch), batch) - x) ** 2).mean())

    before = cycle_error()
    strategy = build_strategy(strategy_config(name="self_cyclic", self_cyclic_mode=mode))
    players = make_players(method)
    for step in range(400):
        losses = strategy.step(method, batch, players, step)
    assert set(losses) == {"cycle_x"}
    assert cycle_error() < 0.02 * before, (mode, before, cycle_error())
