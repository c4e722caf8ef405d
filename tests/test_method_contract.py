"""One contract over every registered method: built through the run object, 3 steps on batches
from the method's own batcher over its tiny data, finite losses, save/load round trip
(timm-style), and the options a method cannot use refused when the config is built."""

import math

import pytest
import torch
from lightning.fabric import Fabric

import cyclekit
from cyclekit.config import build_config
from cyclekit.cyclic.method import CyclicMethod
from cyclekit.engine.checkpoint import load_checkpoint, save_checkpoint
from cyclekit.engine.loading import build_method
from cyclekit.engine.method import Method
from cyclekit.engine.run import Run
from cyclekit.errors import ConfigError
from cyclekit.registry import get_method_class

STRATEGIES = ("joint", "em", "self_cyclic", "alternating")


def _cases():
    for name in cyclekit.list_methods():
        for strategy in get_method_class(name).strategies:
            yield name, strategy


@pytest.mark.parametrize("name, strategy", list(_cases()))
def test_method_contract(name, strategy, tiny_settings_for, tmp_path):
    settings = tiny_settings_for(name)
    config = build_config({"method": name, **settings, "strategy": {"name": strategy}})
    torch.manual_seed(0)
    run = Run(config, Fabric(accelerator="cpu", devices=1))
    method = run.method
    assert isinstance(method, cyclekit.create_method(name, config).__class__)
    assert isinstance(method, Method)
    if isinstance(method, CyclicMethod):  # a cyclic model has real mappings and an objective
        assert isinstance(method.f, torch.nn.Module) and isinstance(method.g, torch.nn.Module)
        assert method.objective is not None
    before = {k: v.clone() for k, v in method.state_dict().items()}
    for step in range(3):
        losses = run.step(step)
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
    method.eval(), clone.eval()
    rows, _ = method.sample_rows(run.data, 2, "cpu")
    clone_rows, _ = clone.sample_rows(run.data, 2, "cpu")
    for row, clone_row in zip(rows, clone_rows, strict=True):
        assert torch.equal(row, clone_row)


@pytest.mark.parametrize("name", cyclekit.list_methods())
def test_strategies_a_method_cannot_use_are_refused(name, tiny_settings_for):
    method_class = get_method_class(name)
    for strategy in set(STRATEGIES) - set(method_class.strategies):
        with pytest.raises(ConfigError, match=f"does not support strategy '{strategy}'"):
            build_config({"method": name, **tiny_settings_for(name), "strategy": strategy})


@pytest.mark.parametrize("name", cyclekit.list_methods())
def test_checkpoint_rules_a_method_cannot_use_are_refused(name, tiny_settings_for):
    settings = tiny_settings_for(name)
    rules = get_method_class(name).checkpoint_rules
    if "best_val_cycle" in rules:
        assert build_config({"method": name, **settings,
                             "eval": {"checkpoint": "best_val_cycle"}})
    else:
        with pytest.raises(ConfigError, match="does not support eval.checkpoint='best_val_cycle'"):
            build_config({"method": name, **settings, "eval": {"checkpoint": "best_val_cycle"}})
