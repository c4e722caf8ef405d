"""``--device`` of the inference commands: names resolve, impossible requests fail in one line."""

import pytest
import torch

from cyclekit.engine.inference_device import inference_device
from cyclekit.errors import ConfigError


def test_cpu_and_auto_without_a_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert inference_device("cpu") == torch.device("cpu")
    assert inference_device("auto") == torch.device("cpu")
    with pytest.raises(ConfigError, match="sees no CUDA GPU; use --device cpu"):
        inference_device("cuda")
    with pytest.raises(ConfigError, match="sees no CUDA GPU"):
        inference_device("cuda:1")


def test_auto_and_indices_with_gpus(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert inference_device("auto") == torch.device("cuda")
    assert inference_device("cuda:1") == torch.device("cuda", 1)
    with pytest.raises(ConfigError, match=r"only 2 GPU\(s\) visible \(cuda:0 to cuda:1\)"):
        inference_device("cuda:2")


@pytest.mark.parametrize("name", ["gpu0", "tpu", "cuda:x", ""])
def test_unknown_names(name, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    with pytest.raises(ConfigError, match="choose cpu, cuda, cuda:N or auto"):
        inference_device(name)
