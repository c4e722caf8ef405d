"""Polyak averaging: the average follows w_avg <- d w_avg + (1 - d) w, starting from the first
weights it sees, and takes the live batch-norm statistics rather than averaging them."""

import torch

from cyclekit.engine.weight_average import ForwardOnlyPlayers, WeightAverage


def _normalised():
    return torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))


def test_the_average_is_an_exponential_moving_average_of_the_weights():
    live = _normalised()
    average = WeightAverage(live, decay=0.9)
    for value in (1.0, 2.0, 4.0):
        with torch.no_grad():
            live[0].weight.fill_(value)
        average.update(live)
    expected = 0.9 * (0.9 * 1.0 + 0.1 * 2.0) + 0.1 * 4.0
    assert torch.allclose(average.method[0].weight, torch.full((2, 3), expected))
    assert average.state_dict() == {"updates": 3}


def test_batch_norm_statistics_are_the_live_ones_and_the_live_model_is_untouched():
    live = _normalised()
    average = WeightAverage(live, decay=0.99)
    live(torch.randn(16, 3) + 5.0)  # moves the live running mean far from its start
    before = {k: v.clone() for k, v in live.state_dict().items()}
    average.update(live)
    average.update(live)
    assert torch.equal(average.method[1].running_mean, live[1].running_mean)
    assert all(torch.equal(before[k], v) for k, v in live.state_dict().items())
    assert average.method[0].weight is not live[0].weight


def test_a_restored_count_continues_the_average():
    live = _normalised()
    average = WeightAverage(live, decay=0.5)
    average.load_state_dict({"updates": 4})
    with torch.no_grad():
        start = average.method[0].weight.clone()
        live[0].weight.add_(2.0)
    average.update(live)  # a continued average folds in, a fresh one would copy
    assert torch.allclose(average.method[0].weight, 0.5 * start + 0.5 * live[0].weight)


def test_batch_norm_statistics_are_reestimated_for_the_averaged_weights():
    live = _normalised()
    average = WeightAverage(live, decay=0.5)
    with torch.no_grad():
        average.method[0].weight.fill_(1.0)
        average.method[0].bias.zero_()
    batches = iter([torch.ones(4, 3), 2 * torch.ones(4, 3), 3 * torch.ones(4, 3)])
    passes = []

    class ForwardStep:  # a training step whose passes are recorded (copies share the list)
        def step(self, method, batch, players, step):
            assert method.training and torch.is_grad_enabled() and "f" in players
            passes.append(method(batch))

    average.method.eval()
    average.reestimate_batch_norm(ForwardStep(), {"f"}, 0, lambda: next(batches), count=3)
    # the linear layer maps a row of k's to 3k per unit: the equal-weight mean of 3, 6, 9
    assert torch.allclose(average.method[1].running_mean, torch.full((2,), 6.0))
    assert len(passes) == 3 and not average.method.training
    assert average.method[1].momentum == live[1].momentum == 0.1
    assert torch.equal(live[1].running_mean, torch.zeros(2))  # the live model is untouched


def test_forward_only_players_update_nothing():
    players = ForwardOnlyPlayers({"f", "g"})
    assert "f" in players and "critic" not in players
    assert players.update(("f",), torch.tensor(1.0, requires_grad=True), 0)
    assert players.mean_over_ranks(0.25) == 0.25
