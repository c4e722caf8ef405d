import pytest
import torch

from cyclekit.errors import ConfigError
from cyclekit.nets.init import init_weights
from cyclekit.translation.patch_discriminator import PatchDiscriminator
from cyclekit.translation.resnet_generator import ResnetGenerator


def test_normal_init_statistics():
    torch.manual_seed(0)
    generator = init_weights(ResnetGenerator(3, 3, base_channels=16, n_blocks=2, norm="batch"))
    conv_weights = torch.cat([m.weight.detach().flatten() for m in generator.modules() if isinstance(m, torch.nn.Conv2d)])
    assert conv_weights.mean().abs() < 2e-3
    assert conv_weights.std().item() == pytest.approx(0.02, rel=0.05)
    norm_weights = torch.cat([m.weight.detach() for m in generator.modules() if isinstance(m, torch.nn.BatchNorm2d)])
    assert norm_weights.mean().item() == pytest.approx(1.0, abs=0.01)
    assert norm_weights.std().item() == pytest.approx(0.02, rel=0.2)
    for module in generator.modules():
        if getattr(module, "bias", None) is not None:
            assert torch.all(module.bias == 0)


@pytest.mark.parametrize("kind", ["xavier", "kaiming"])
def test_other_kinds_run(kind):
    discriminator = init_weights(PatchDiscriminator(3, base_channels=8), kind=kind)
    assert all(torch.isfinite(p).all() for p in discriminator.parameters())


def test_unknown_kind():
    with pytest.raises(ConfigError):
        init_weights(torch.nn.Linear(2, 2), kind="uniform")
