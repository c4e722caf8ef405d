"""Polyak averaging: the average follows w_avg <- d w_avg + (1 - d) w, starting from the first
weights it sees, and takes the live batch-norm statistics rather than averaging them."""

import torch

from cyclekit.core.weight_average import WeightAverage


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
