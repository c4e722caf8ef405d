"""``cyclekit demo``: a few minutes of unpaired translation on data a pip package ships.

X = scikit-learn's 8x8 digits, Y = the same digits blended over colour patches of
scikit-learn's sample photos (MNIST-M recipe), both at 32 px RGB. No data directory needed.

Each method's result is printed as soon as that method finishes, beside its ceiling (the
judge's accuracy on real target test images). Running the demo again with the same ``--out``
reuses what is done: a method whose run folder holds a finished run of the same settings is
not trained again (its result is read back from ``metrics.json``), and a run that was
interrupted (a checkpoint, no ``metrics.json``) is resumed from its latest checkpoint. A
finished run of another budget (e.g. ``--set train.steps=1200``) is continued to the new
budget; a run of other networks or data is refused, naming the settings that differ.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import yaml

from cyclekit.config import ExperimentConfig, build_config
from cyclekit.engine.run_folder import inspect_run_folder
from cyclekit.engine.trainer import train
from cyclekit.errors import CyclekitError

DEMO_SETTINGS = {
    # short EM phases: many alternations fit in a few hundred steps
    "strategy": {"check_every": 10, "min_inner_steps": 20, "max_inner_steps": 100},
    "data": {"x": "digits", "y": "digits_m", "image_size": 32, "channels": 3, "val_size": 128},
    "model": {"generator_channels": 32, "generator_blocks": 4, "discriminator_channels": 32},
    "train": {"steps": 600, "batch_size": 16, "log_every": 20, "eval_every": 200,
              "sample_every": 200, "checkpoint_every": 200},
    "eval": {"judge_epochs": 20},
}

JUDGE_NOTE = (
    "How the demo scores a method: after training, a judge (a small classifier trained on the "
    "real images of the target domain, the 'training judge' progress bar; trained once, then "
    "cached) labels the translated test images. Its accuracy on them is the translation "
    "accuracy; its accuracy on the real target test images is the ceiling beside it.")


def demo_config(method: str, overrides: list[str] | None = None) -> ExperimentConfig:
    """The demo's experiment for ``method`` with its default strategy."""
    return build_config({"method": method, **DEMO_SETTINGS}, overrides)


def run_demo(methods: list[str], out: Path, overrides: list[str] | None = None,
             progress: bool = True) -> dict[str, dict[str, float]]:
    """Train (or reuse, or resume: see the module's docstring) each method into ``out/METHOD``,
    printing its result line when it finishes; return {method: test metrics}."""
    out = Path(out)
    speak = _is_main_process()
    if speak:
        print(JUDGE_NOTE, flush=True)
    results = {}
    for number, method in enumerate(methods, 1):
        config = demo_config(method, overrides)
        run_dir = out / method
        started = time.perf_counter()
        how, note = _how_to_start(config, run_dir)
        if speak and note:
            print(f"[{number}/{len(methods)}] {method}: {note}", flush=True)
        if how == "reuse":
            metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
        else:
            metrics = train(config, run_dir, resume=how == "resume", progress=progress)
        results[method] = metrics
        if speak and metrics:
            seconds = None if how == "reuse" else time.perf_counter() - started
            print(f"[{number}/{len(methods)}] {result_line(method, config, metrics, seconds)}; "
                  f"report: {run_dir / 'report.html'}", flush=True)
    return results


def result_line(method: str, config: ExperimentConfig, metrics: dict,
                seconds: float | None = None) -> str:
    """``cyclegn done in 103 s: digits -> digits_m 0.727 (ceiling 0.931), ...``."""
    x, y = config.data.x, config.data.y
    parts = []
    for direction, source, target in (("x2y", x, y), ("y2x", y, x)):
        key = f"test/acc_{direction}"
        if key not in metrics:
            continue
        ceiling = metrics.get(f"test/judge_acc_{target}")
        bound = f" (ceiling {ceiling:.3f})" if isinstance(ceiling, (int, float)) else ""
        parts.append(f"{source} -> {target} {metrics[key]:.3f}{bound}")
    scores = (f"translation accuracy {', '.join(parts)}" if parts
              else "no translation accuracy (unlabelled domains)")
    when = "finished earlier, reused" if seconds is None else f"done in {seconds:.0f} s"
    return f"{method} {when}: {scores}"


def _how_to_start(config: ExperimentConfig, run_dir: Path) -> tuple[str, str | None]:
    """("fresh" | "resume" | "reuse", what to tell the user) for ``run_dir``."""
    folder = inspect_run_folder(run_dir)
    if not run_dir.is_dir() or not folder.has_config or not (folder.finished or folder.checkpoint):
        return "fresh", None  # a new or unstarted folder: the trainer's start-over rule applies
    try:
        saved = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8"))
        saved_config = build_config(saved)
    except (OSError, yaml.YAMLError, CyclekitError, ValueError, TypeError):
        raise CyclekitError(f"'{run_dir}' holds a run whose config.yaml cannot be read; choose "
                            f"another --out or remove that folder") from None
    wanted = yaml.safe_load(yaml.safe_dump(config.to_dict(), sort_keys=False))
    differ = _differences(yaml.safe_load(yaml.safe_dump(saved_config.to_dict())), wanted)
    if saved_config.fingerprint() != config.fingerprint():
        raise CyclekitError(
            f"'{run_dir}' holds a demo run of other settings ({', '.join(differ[:4])}"
            f"{', ...' if len(differ) > 4 else ''}); choose another --out or remove that folder")
    if folder.finished and not differ:
        return "reuse", f"finished earlier in {run_dir} with the same settings: not trained again"
    if folder.finished:
        return "resume", (f"continuing the finished run in {run_dir} with new settings "
                          f"({', '.join(differ[:4])}{', ...' if len(differ) > 4 else ''})")
    return "resume", f"resuming the interrupted run in {run_dir} from {folder.checkpoint.name}"


def _differences(saved: dict, wanted: dict, prefix: str = "") -> list[str]:
    """``key: old -> new`` for every setting that differs between two config mappings."""
    found = []
    for key in sorted(set(saved) | set(wanted), key=str):
        old, new = saved.get(key), wanted.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            found += _differences(old, new, f"{prefix}{key}.")
        elif old != new:
            found.append(f"{prefix}{key}: {old} -> {new}")
    return found


def _is_main_process() -> bool:
    return os.environ.get("RANK", os.environ.get("LOCAL_RANK", "0")) in ("0", "")
