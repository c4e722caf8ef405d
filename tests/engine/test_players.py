import math

import pytest
import torch

from cyclekit.engine.players import TrainingDiverged
from tests.toy import LinearPair, make_players


def _loss(method, scale=1.0):
    x = torch.randn(8, 4)
    return scale * ((method.g(method.f(x)) - x) ** 2).mean()


def test_update_steps_only_the_named_players():
    method = LinearPair()
    players = make_players(method)
    g_before = [p.clone() for p in method.g.parameters()]
    assert players.update(["f"], _loss(method), step=0)
    assert all(torch.equal(a, b) for a, b in zip(g_before, method.g.parameters()))


def test_update_computes_gradients_of_the_stepped_players_only():
    method = LinearPair()
    players = make_players(method)
    torch.manual_seed(0)
    loss = _loss(method)
    expected = torch.autograd.grad(loss, list(method.f.parameters()), retain_graph=True)
    players.update(["f"], loss, step=0)
    assert all(p.grad is None for p in method.g.parameters())
    assert all(torch.equal(p.grad, e) for p, e in zip(method.f.parameters(), expected))


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_loss_is_skipped_and_logged(bad):
    method = LinearPair()
    players = make_players(method)
    before = [p.clone() for p in method.parameters()]
    assert not players.update(["f", "g"], _loss(method, scale=bad), step=3)
    assert all(torch.equal(a, b) for a, b in zip(before, method.parameters()))
    (event,) = players.drain_events()
    assert event["event"] == "nonfinite_skip" and event["step"] == 3 and event["where"] == "loss"
    assert players.skipped_updates == 1
    assert players.update(["f", "g"], _loss(method), step=4)
    assert players.consecutive_nonfinite == 0


def test_non_finite_gradient_is_skipped():
    method = LinearPair()
    players = make_players(method)
    before = [p.clone() for p in method.parameters()]
    weight = method.f.weight[0, 0]
    loss = torch.sqrt(weight - weight.detach())  # value 0, gradient 1 / (2 sqrt(0)) = inf
    assert torch.isfinite(loss)
    assert not players.update(["f"], loss, step=0)
    assert players.drain_events()[0]["where"] == "gradient"
    assert all(torch.equal(a, b) for a, b in zip(before, method.parameters()))


def test_too_many_consecutive_non_finite_updates_stop_the_run():
    method = LinearPair()
    players = make_players(method, max_nonfinite=2)
    players.update(["f"], _loss(method, math.nan), step=0)
    players.update(["f"], _loss(method, math.nan), step=1)
    with pytest.raises(TrainingDiverged, match="3 consecutive updates at step 2; lower train.lr"):
        players.update(["f"], _loss(method, math.nan), step=2)


def test_state_round_trip():
    method = LinearPair()
    players = make_players(method)
    players.update(["f", "g"], _loss(method), step=0)
    players.step_schedulers()
    clone = make_players(method)
    clone.load_state_dict(players.state_dict())
    assert clone.optimizers["f"].state_dict()["state"].keys() == players.optimizers["f"].state_dict()["state"].keys()
    assert clone.schedulers["g"].last_epoch == 1
