"""Toy cyclic problems whose answers are known, for testing strategies without images."""

from __future__ import annotations

import torch
from lightning.fabric import Fabric
from torch import nn

from cyclekit.config import StrategyConfig, TrainConfig
from cyclekit.cyclic.method import CyclicMethod
from cyclekit.cyclic.objective import CycleObjective
from cyclekit.engine.players import Players


class LinearPair(CyclicMethod):
    """f, g linear maps between two Gaussian domains related by y = A x + b."""

    name = "toy_linear"

    def __init__(self, dim: int = 4, sim_x=None, sim_y=None, weight_sim: float = 1.0):
        nn.Module.__init__(self)
        self.f, self.g = nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.objective = CycleObjective(cycle_x="l2", cycle_y="l2", sim_x=sim_x, sim_y=sim_y,
                                        weight_sim_x=weight_sim, weight_sim_y=weight_sim)


class SharedShift(CyclicMethod):
    """One shared mapping T(p, d) = A p + W d + b used forward (d) and backward (-d)."""

    name = "toy_shared"
    shared_mapping = True

    def __init__(self, dim: int = 2):
        nn.Module.__init__(self)
        self.f = self.g = nn.Linear(2 * dim, dim)
        self.objective = CycleObjective(cycle_x="l2", cycle_y="l2")

    def map_xy(self, x, batch=None):
        return self.f(torch.cat([x, batch["shift"]], dim=1))

    def map_yx(self, y, batch=None):
        return self.f(torch.cat([y, -batch["shift"]], dim=1))


def make_players(method: CyclicMethod, lr: float = 1e-2, max_nonfinite: int = 5) -> Players:
    fabric = Fabric(accelerator="cpu", devices=1)
    train = TrainConfig(lr=lr, beta1=0.9)
    return Players(fabric, method.player_params(),
                   lambda name, params: method.make_optimizer(name, params, train),
                   lambda step: 1.0, max_nonfinite)


def gaussian_domains(n: int, dim: int = 4, seed: int = 0):
    """Unpaired samples of X ~ N(0, I) and Y = A X + b (A well conditioned)."""
    generator = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(dim, dim, generator=generator))
    a = q @ torch.diag(torch.linspace(0.5, 2.0, dim))
    b = torch.randn(dim, generator=generator)
    x = torch.randn(n, dim, generator=generator)
    y = torch.randn(n, dim, generator=generator) @ a.T + b
    return x, y


def strategy_config(**kwargs) -> StrategyConfig:
    config = StrategyConfig(**kwargs)
    config.validate()
    return config
