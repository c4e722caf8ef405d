"""The alternating strategy: players in the method's order and counts, each on its own loss."""

import torch
from torch import nn

from cyclekit.adaptation.alternating import Alternating
from tests.toy import make_players, strategy_config


class TwoPlayers(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Parameter(torch.tensor(3.0))
        self.b = nn.Parameter(torch.tensor(-2.0))
        self.calls: list[tuple[str, float, float]] = []

    def update_schedule(self):
        return [("a", 2), ("b", 1)]

    def player_losses(self, batch, player, step):
        self.calls.append((player, self.a.item(), self.b.item()))
        if player == "a":
            return {"square": (self.a - batch["x"]) ** 2}
        return {"square": (self.b + self.a) ** 2, "offset": 0.0 * self.b}

    def player_params(self):
        return {"a": [self.a], "b": [self.b]}

    def make_optimizer(self, name, params, train):
        return torch.optim.SGD(params, lr=0.25)


def test_players_update_in_order_each_on_its_own_loss():
    method = TwoPlayers()
    strategy = Alternating(strategy_config(name="alternating"))
    players = make_players(method)
    report = strategy.step(method, {"x": torch.tensor(1.0)}, players, 0)
    assert [call[0] for call in method.calls] == ["a", "a", "b"]
    # a moved twice towards x (b fixed), then b once towards -a (a fixed), each recomputed
    assert method.calls[1][1] == 2.0 and method.calls[2][1:] == (1.5, -2.0)
    assert method.a.item() == 1.5 and method.b.item() == -2.0 + 0.5 * 0.5
    assert set(report) == {"a/square", "b/square", "b/offset"}
