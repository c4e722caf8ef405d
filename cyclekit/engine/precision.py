"""Is the asked-for precision fast on this device?

bf16 autocast (``train.precision: bf16-mixed``, the budget choice of the UDA and translation
presets) is fast on CPUs with bf16 instructions (AVX-512 BF16 or AMX) and on CUDA; elsewhere
oneDNN emulates it. On an AVX2-only CPU one CDLM step of ``configs/uda/mnist_usps_cdlm.yaml``
measured 4.4 s in bf16 against 0.39 s in fp32 (2026-11-27), so a preset that fits its
budget on one CPU runs ten times over it on another, with nothing to say why.
"""

from __future__ import annotations

import torch


def cpu_has_bf16(unknown: bool = True) -> bool:
    """Whether oneDNN runs bf16 natively on this CPU; ``unknown`` where the build cannot tell
    (True for the slowness warning: no warning without evidence)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return unknown


def resolve_precision(precision: str, accelerator: str) -> str:
    """``precision`` itself, or for ``auto``: ``bf16-mixed`` where ``accelerator`` runs bf16
    natively (a CUDA GPU that supports it; a CPU whose oneDNN reports bf16 instructions, no
    benefit of the doubt here), else ``32-true``."""
    if precision != "auto":
        return precision
    on_gpu = accelerator in ("cuda", "gpu") or (accelerator == "auto" and
                                                torch.cuda.is_available())
    if on_gpu:
        native = (torch.cuda.is_available()
                  and torch.cuda.is_bf16_supported(including_emulation=False))
    else:
        native = cpu_has_bf16(unknown=False)
    return "bf16-mixed" if native else "32-true"


def slow_precision_warning(precision: str, device: torch.device) -> str | None:
    """A one-line warning when ``precision`` is emulated on ``device``, else None."""
    if precision != "bf16-mixed" or device.type != "cpu" or cpu_has_bf16():
        return None
    capability = torch.backends.cpu.get_cpu_capability()
    return (f"train.precision=bf16-mixed is emulated on this CPU ({capability}, no bf16 "
            f"instructions) and runs several times slower than fp32; pass --set "
            f"train.precision=32-true unless the run must match a bf16 run")
