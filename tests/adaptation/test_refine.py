"""``cyclekit refine``: a refined run takes its teacher's data, seed and devices, trains,
resumes, predicts like any adaptation run, and bad calls fail in one line."""

import json

import pytest
import torch

from cyclekit.adaptation.refine import (
    REFINEMENT_LR,
    REFINEMENT_STEPS,
    refinement_config,
)
from cyclekit.cli import main
from cyclekit.config import load_config, save_config
from cyclekit.engine.loading import load_trained_method

pytestmark = pytest.mark.usefixtures("one_thread")


def test_the_refinement_config_comes_from_the_teacher_run(tiny_cdlm_teacher):
    teacher = load_config(tiny_cdlm_teacher / "config.yaml")
    config = refinement_config(tiny_cdlm_teacher, ["seed=3"])
    assert config.method == "dirt_t"
    assert config.model.teacher == str(tiny_cdlm_teacher.resolve())
    assert config.data == teacher.data
    assert (config.train.batch_size, config.train.num_threads, config.train.precision) == (
        teacher.train.batch_size, teacher.train.num_threads, teacher.train.precision)
    assert (config.train.steps, config.train.lr, config.train.decay_start) == (
        REFINEMENT_STEPS, REFINEMENT_LR, 1.0)
    assert config.seed == 3
    assert refinement_config(tiny_cdlm_teacher).seed == teacher.seed


def test_the_refinement_keeps_the_teachers_weight_averaging(tiny_cdlm_teacher, tmp_path):
    teacher = load_config(tiny_cdlm_teacher / "config.yaml")
    teacher.train.ema_decay = 0.998
    save_config(teacher, tmp_path / "config.yaml")
    assert refinement_config(tmp_path).train.ema_decay == 0.998
    assert refinement_config(tmp_path, ["train.ema_decay=0"]).train.ema_decay == 0.0


def test_refine_trains_resumes_and_predicts(tiny_cdlm_teacher, tmp_path, capsys):
    out = tmp_path / "refined"
    assert main(["refine", str(tiny_cdlm_teacher), "--out", str(out), "--no-progress",
                 "--set", "train.steps=4", "--set", "train.checkpoint_every=2"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["train/steps"] == 4 and 0.0 <= metrics["test/target_acc"] <= 1.0
    assert {"test/target_acc_feature", "test/a_distance_feature"} <= set(metrics)

    assert main(["refine", str(tiny_cdlm_teacher), "--out", str(out), "--no-progress",
                 "--resume", "--set", "train.steps=6"]) == 0
    assert json.loads((out / "metrics.json").read_text())["train/steps"] == 6

    config, method = load_trained_method(out)
    assert config.method == "dirt_t"
    images = torch.rand(3, 3, 16, 16) * 2 - 1
    labels, confidence = method.predict_images(images)
    assert labels.shape == (3,) and bool(((confidence > 0) & (confidence <= 1)).all())


def test_bad_refine_calls_fail_in_one_line(tiny_cdlm_teacher, tmp_path, capsys):
    assert main(["refine", str(tmp_path / "nowhere"), "--out", str(tmp_path / "a")]) == 2
    assert main(["refine", str(tiny_cdlm_teacher), "--out", str(tmp_path / "b"), "--resume"]) == 2
    assert main(["refine", str(tiny_cdlm_teacher), "--out", str(tmp_path / "c"),
                 "--set", "model.vat_radius=0"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 3 and all(line.startswith("cyclekit: error:") for line in errors)
    assert "not a run directory" in errors[0] and "nothing to resume" in errors[1]
    assert "model.vat_radius" in errors[2]
