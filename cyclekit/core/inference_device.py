"""The device that inference commands (``predict``, ``translate``, ``track run``) run on.

Training picks its device through Lightning Fabric (``train.accelerator``); inference on a
finished run is a plain forward pass, so the commands take ``--device`` and this one check.
"""

from __future__ import annotations

import torch

from cyclekit.errors import ConfigError

DEVICE_CHOICES = ("cpu", "cuda", "auto")


def inference_device(name: str) -> torch.device:
    """``cpu``, ``cuda`` (or ``cuda:N``), or ``auto`` (the GPU when there is one)."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ConfigError(f"--device {name}: this PyTorch sees no CUDA GPU; use --device cpu "
                              f"(or auto), or install a CUDA build of PyTorch")
        try:
            device = torch.device(name)
        except RuntimeError:
            raise ConfigError(f"unknown --device {name!r}; choose cpu, cuda, cuda:N or auto") from None
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ConfigError(f"--device {name}: only {torch.cuda.device_count()} GPU(s) visible "
                              f"(cuda:0 to cuda:{torch.cuda.device_count() - 1})")
        return device
    raise ConfigError(f"unknown --device {name!r}; choose cpu, cuda, cuda:N or auto")
