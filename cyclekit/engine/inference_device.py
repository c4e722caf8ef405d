"""The device that inference commands (``predict``, ``translate``, ``track run``) run on.

Training picks its device through Lightning Fabric (``train.accelerator``); inference on a
finished run is a plain forward pass, so the commands take ``--device`` (one option, added by
:func:`add_device_option`) and this one check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cyclekit.errors import ConfigError

if TYPE_CHECKING:
    import torch

DEVICE_CHOICES = ("cpu", "cuda", "auto")


def add_device_option(command, note: str = "") -> None:
    """``--device`` (default ``cpu``) on an argparse (sub)command; ``note`` ends its help."""
    command.add_argument("--device", default="cpu", metavar="|".join(DEVICE_CHOICES),
                         help="where the network runs: cpu (default), cuda, cuda:N, or auto "
                              "(the GPU when there is one)" + note)


def inference_device(name: str) -> torch.device:
    """``cpu``, ``cuda`` (or ``cuda:N``), or ``auto`` (the GPU when there is one)."""
    import torch  # here, so that the command line parses without loading torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    unknown = ConfigError(f"unknown --device {name!r}; choose cpu, cuda, cuda:N or auto")
    if name != "cuda" and not name.startswith("cuda:"):
        raise unknown
    if not torch.cuda.is_available():
        raise ConfigError(f"--device {name}: this PyTorch sees no CUDA GPU; use --device cpu "
                          f"(or auto), or install a CUDA build of PyTorch")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise unknown from None
    if device.index is not None and device.index >= torch.cuda.device_count():
        raise ConfigError(f"--device {name}: only {torch.cuda.device_count()} GPU(s) visible "
                          f"(cuda:0 to cuda:{torch.cuda.device_count() - 1})")
    return device
