"""``cyclekit refine``: DIRT-T refinement (:mod:`cyclekit.adaptation.dirt_t`) of a finished
adaptation run, configured from that run.

The refined run takes the teacher's data, seed, batch size, devices and weight averaging
(``train.ema_decay``), and DIRT-T's
optimiser (Adam, learning rate 1e-3, beta1 0.5, constant); ``--set`` overrides any of it,
e.g. ``train.steps=2000``, ``model.teacher_every=500``, ``model.weight_warp=1`` (warp
consistency, beyond DIRT-T) or ``model.weight_balance=1`` (class balance, beyond DIRT-T).
"""

from __future__ import annotations

from pathlib import Path

from cyclekit.adaptation.dirt_t import teacher_config
from cyclekit.config import ExperimentConfig, build_config, load_config
from cyclekit.engine.loading import require_run_kind
from cyclekit.engine.trainer import train
from cyclekit.errors import CyclekitError
from cyclekit.preflight import check_accelerator, check_output_dir

REFINEMENT_STEPS = 1000
REFINEMENT_LR = 1e-3
NO_CLASSIFIER = "which has no target classifier to refine"
COPIED_TRAIN_KEYS = ("batch_size", "accelerator", "devices", "precision", "channels_last",
                     "num_threads", "ema_decay")


def refinement_config(teacher: str | Path, overrides: list[str] | None = None,
                      ) -> ExperimentConfig:
    """The ``dirt_t`` config that refines the run in ``teacher``."""

    teacher = Path(teacher).resolve()
    parent = teacher_config(teacher)
    parent_train = parent.to_dict()["train"]
    steps = REFINEMENT_STEPS
    raw = {
        "method": "dirt_t",
        "model": {"teacher": str(teacher)},
        "data": parent.to_dict()["data"],
        "train": {**{key: parent_train[key] for key in COPIED_TRAIN_KEYS},
                  "steps": steps, "lr": REFINEMENT_LR, "beta1": 0.5, "beta2": 0.999,
                  "lr_schedule": "linear_decay", "decay_start": 1.0, "log_every": 50,
                  "eval_every": steps, "sample_every": steps, "checkpoint_every": 250},
        "eval": parent.to_dict()["eval"],
        "seed": parent.seed,
    }
    return build_config(raw, overrides)


def refine(teacher: str | Path, out: str | Path, overrides: list[str] | None = None, *,
           resume: bool = False, progress: bool = True) -> dict[str, float]:
    """Refine ``teacher`` into the run directory ``out`` (or continue it with ``resume``)."""

    out = Path(out)
    check_output_dir(out)
    saved = out / "config.yaml"
    if resume:
        if not saved.is_file():
            raise CyclekitError(f"nothing to resume in '{out}' (no config.yaml); drop --resume")
        config = load_config(saved, overrides)
    else:
        require_run_kind(teacher, ("adaptation",), "refine", why=NO_CLASSIFIER)
        config = refinement_config(teacher, overrides)
    if config.method == "dirt_t":  # the teacher it refines (a --set model.teacher, a resumed run's)
        require_run_kind(config.model.teacher, ("adaptation",), "refine", why=NO_CLASSIFIER)
    check_accelerator(config.train)
    return train(config, out, resume=resume, progress=progress)
