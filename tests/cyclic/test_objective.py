import pytest
import torch
from torch import nn

from cyclekit.cyclic.objective import CycleObjective
from cyclekit.cyclic.prior_matching import LeastSquaresGAN
from cyclekit.errors import ConfigError


class ConstantCritic(nn.Module):
    def __init__(self, value):
        super().__init__()
        self.value = nn.Parameter(torch.tensor(float(value)))

    def forward(self, images):
        return self.value.expand(images.shape[0], 1, 2, 2)


def test_cycle_terms_are_weighted_distances():
    objective = CycleObjective(cycle_x="l1", cycle_y="l2", weight_cycle_x=10.0, weight_cycle_y=2.0)
    x, x_rec = torch.zeros(2, 3), torch.full((2, 3), 0.5)
    assert objective.cycle_x(x, x_rec).item() == pytest.approx(5.0)
    assert objective.cycle_y(x, x_rec).item() == pytest.approx(0.5)


def test_least_squares_gan_losses():
    gan = LeastSquaresGAN(ConstantCritic(0.25), history_size=0)
    objective = CycleObjective(sim_x=gan, weight_sim_x=2.0)
    images = torch.zeros(3, 1, 8, 8)
    assert objective.prior_x(images).item() == pytest.approx(2.0 * 0.75 ** 2)
    critic = gan.critic_loss(images, images)
    assert critic.item() == pytest.approx(0.5 * (0.75 ** 2 + 0.25 ** 2))
    assert set(objective.critic_terms()) == {"sim_x"}


def test_mapping_loss_leaves_critic_without_gradient():
    critic = nn.Conv2d(1, 1, 1)
    gan = LeastSquaresGAN(critic, history_size=0)
    fake = torch.randn(2, 1, 4, 4, requires_grad=True)
    gan.mapping_loss(fake).backward()
    assert fake.grad is not None
    assert critic.weight.grad is None and critic.weight.requires_grad


def test_zero_weight_removes_a_prior_term():
    objective = CycleObjective(sim_x=LeastSquaresGAN(ConstantCritic(0.0)), weight_sim_x=0.0)
    assert objective.sim_x is None and objective.critic_terms() == {}


def test_unknown_distance_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown cycle distance 'l3'"):
        CycleObjective(cycle_x="l3")


def test_cycle_distance_may_be_a_callable():
    def count_mismatches(target, reconstruction):
        return (target != reconstruction).float().sum()

    objective = CycleObjective(cycle_x=count_mismatches, weight_cycle_x=3.0)
    assert objective.cycle_x(torch.tensor([1, 2, 3]), torch.tensor([1, 0, 0])).item() == 6.0
    assert objective.distance_y is not count_mismatches  # the other side keeps its named default
