"""One contract over every registered method: build, 3 steps on batches from the method's
own batcher over its tiny data, finite losses, save/load round trip (timm-style)."""

import math

import pytest
import torch
from lightning.fabric import Fabric

import cyclekit
from cyclekit.config import build_config
from cyclekit.core.checkpoint import load_checkpoint, save_checkpoint
from cyclekit.core.players import Players
from cyclekit.core.registry import get_method_class
from cyclekit.core.strategy import build_strategy
from cyclekit.core.trainer import build_method, lr_factor


def _cases():
    for name in cyclekit.list_methods():
        for strategy in get_method_class(name).strategies:
            yield name, strategy


@pytest.mark.parametrize("name, strategy", list(_cases()))
def test_method_contract(name, strategy, tiny_settings_for, tmp_path):
    settings = tiny_settings_for(name)
    config = build_config({"method": name, **settings, "strategy": {"name": strategy}})
    torch.manual_seed(0)
    method = build_method(config, torch.device("cpu"))
    assert isinstance(method, cyclekit.create_method(name, config).__class__)
    fabric = Fabric(accelerator="cpu", devices=1)
    players = Players(fabric, method.player_params(),
                      lambda n, p: method.make_optimizer(n, p, config.train),
                      lr_factor(config.train), max_nonfinite=0)
    step_fn = build_strategy(config.strategy)
    batcher = method.make_batcher(method.load_data(config))
    before = {k: v.clone() for k, v in method.state_dict().items()}
    for step in range(3):
        batch = batcher.next()
        losses = step_fn.step(method, batch, players, step)
        assert losses and all(math.isfinite(v) for v in losses.values()), losses
    after = method.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)  # it learned something

    save_checkpoint(tmp_path, "step_0000003", method, {"fingerprint": config.fingerprint(),
                                                       "extra": method.extra_state()})
    clone = build_method(config, torch.device("cpu"))
    state = load_checkpoint(tmp_path / "step_0000003", clone, fingerprint=config.fingerprint())
    clone.load_extra_state(state["extra"], "cpu")
    for key, value in method.state_dict().items():
        assert torch.equal(value, clone.state_dict()[key]), key
    batch = batcher.next()
    with torch.no_grad():
        assert torch.equal(method.map_xy(batch["x"], batch), clone.map_xy(batch["x"], batch))
