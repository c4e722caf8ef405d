"""DIRT-T refinement: the student starts as the teacher run, learns on target images only,
stays near a teacher that changes only on schedule, and bad teachers are refused in one line."""

import copy

import pytest
import torch

from cyclekit.adaptation.method import UDADataConfig
from cyclekit.adaptation.virtual_adversarial import prediction_entropy
from cyclekit.config import ConfigError, _fingerprinted, build_config, save_config
from cyclekit.data.augment import Augmentation
from cyclekit.engine.loading import build_method, load_trained_method
from tests.conftest import TINY, tiny_dirt_t
from tests.toy import make_players

pytestmark = pytest.mark.usefixtures("one_thread")


def _refinement(teacher, **model):
    settings = tiny_dirt_t(teacher)
    settings["model"].update(model)
    config = build_config({"method": "dirt_t", **settings})
    torch.manual_seed(0)
    method = build_method(config, torch.device("cpu"))
    data = method.load_data(config)
    return method, data, method.make_batcher(data)


def test_the_student_starts_as_the_teacher_run(tiny_cdlm_teacher):
    method, data, _ = _refinement(tiny_cdlm_teacher)
    _, trained = load_trained_method(tiny_cdlm_teacher)
    images = data.y.test.images[:16]
    method.eval()
    with torch.no_grad():
        assert torch.equal(method.classify(images), trained.classify(images))
        assert torch.equal(method.teacher.classify(images), trained.classify(images))
    assert not any(p.requires_grad for p in method.teacher.parameters())
    assert method.player_params()["student"] == list(method.student.parameters())


def test_losses_read_target_images_only_and_reach_the_student_alone(tiny_cdlm_teacher):
    method, _, batcher = _refinement(tiny_cdlm_teacher)
    batch = batcher.next()
    losses = method.player_losses(batch, "student", 0)
    assert set(losses) == {"teacher_kl", "target_entropy", "target_vat"}
    sum(losses.values()).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in method.student.parameters())
    assert all(p.grad is None for p in method.teacher.parameters())

    poisoned = {**batch, "x": torch.full_like(batch["x"], float("nan")),
                "x_labels": torch.zeros_like(batch["x_labels"])}
    again = method.player_losses(poisoned, "student", 0)
    assert all(torch.isfinite(value) for value in again.values())  # source never read


def test_weights_switch_terms_off(tiny_cdlm_teacher):
    method, _, batcher = _refinement(tiny_cdlm_teacher, weight_entropy=0.0, weight_vat=0.0)
    assert set(method.player_losses(batcher.next(), "student", 0)) == {"teacher_kl"}


def test_class_balance_is_off_by_default_and_pulls_towards_unused_classes(tiny_cdlm_teacher):
    method, _, batcher = _refinement(tiny_cdlm_teacher)
    assert "weight_balance" not in _fingerprinted(method.config.model)  # older runs resume
    batch = batcher.next()
    assert "target_balance" not in method.player_losses(batch, "student", 0)
    method, _, batcher = _refinement(tiny_cdlm_teacher, weight_balance=2.0, weight_entropy=0.0,
                                     weight_vat=0.0)
    losses = method.player_losses(batcher.next(), "student", 0)
    assert set(losses) == {"teacher_kl", "target_balance"}
    assert float(losses["target_balance"].detach()) > 0
    losses["target_balance"].backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in method.student.parameters())
    with pytest.raises(ConfigError, match="weight_balance"):
        _refinement(tiny_cdlm_teacher, weight_balance=-1.0)


def _running_statistics(network):
    return [buffer.clone() for name, buffer in network.named_buffers() if "running" in name]


def _pixel_logits(images, domain=None):
    """A classifier that reads ten pixels, so that any warp changes its prediction."""
    return images.flatten(1)[:, :10] * 10


def test_warp_consistency_compares_warped_with_clean_predictions(tiny_cdlm_teacher, monkeypatch):
    off = {"weight_entropy": 0.0, "weight_vat": 0.0}
    method, _, batcher = _refinement(tiny_cdlm_teacher, weight_warp=1.0, **off)
    losses = method.player_losses(batcher.next(), "student", 0)
    assert set(losses) == {"teacher_kl", "target_warp"}
    losses["target_warp"].backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in method.student.parameters())
    # The clean pass moves the running statistics once; the warped pass must not move them again.
    without_warp, _, batcher = _refinement(tiny_cdlm_teacher, **off)
    without_warp.player_losses(batcher.next(), "student", 0)
    assert all(torch.equal(a, b) for a, b in zip(_running_statistics(method.student),
                                                 _running_statistics(without_warp.student)))

    def warp_loss():
        method, _, batcher = _refinement(tiny_cdlm_teacher, weight_warp=1.0, **off)
        method.student.classify = _pixel_logits
        return float(method.player_losses(batcher.next(), "student", 0)["target_warp"])

    assert warp_loss() > 0.1
    identity = Augmentation(0.0, 0.0, noise_std=0.0, max_scale=1.0)
    monkeypatch.setattr(UDADataConfig, "warp", lambda self: identity)
    assert warp_loss() == pytest.approx(0.0, abs=1e-6)


def test_warp_consistency_is_off_by_default_and_keeps_older_runs_resumable(tiny_cdlm_teacher):
    method, _, _ = _refinement(tiny_cdlm_teacher)
    assert method.config.model.weight_warp == 0.0
    assert "weight_warp" not in _fingerprinted(method.config.model)  # the resume check's hash
    with pytest.raises(ConfigError, match="weight_warp"):
        _refinement(tiny_cdlm_teacher, weight_warp=-1.0)


def test_refinement_sharpens_target_predictions_and_keeps_the_initial_teacher(tiny_cdlm_teacher):
    method, data, batcher = _refinement(tiny_cdlm_teacher, weight_vat=0.0)
    images = data.y.train.images[:64]

    def mean_entropy(network):
        network.eval()
        with torch.no_grad():
            value = float(prediction_entropy(network.classify(images)))
        network.train()
        return value

    teacher_state = copy.deepcopy(method.teacher.state_dict())
    before = mean_entropy(method.student)
    players = make_players(method, lr=1e-3)
    for step in range(30):
        losses = method.player_losses(batcher.next(), "student", step)
        players.update(["student"], sum(losses.values()), step)
    assert mean_entropy(method.student) < before
    assert all(torch.equal(value, teacher_state[key])
               for key, value in method.teacher.state_dict().items())


def test_the_teacher_follows_the_student_every_teacher_every_steps(tiny_cdlm_teacher):
    method, _, batcher = _refinement(tiny_cdlm_teacher, teacher_every=2)
    players = make_players(method, lr=1e-3)
    for step in range(2):
        losses = method.player_losses(batcher.next(), "student", step)
        players.update(["student"], sum(losses.values()), step)
    student = copy.deepcopy(method.student.state_dict())
    assert not all(torch.equal(value, student[key])
                   for key, value in method.teacher.state_dict().items())
    method.player_losses(batcher.next(), "student", 2)  # step 2: the teacher is replaced first
    assert all(torch.equal(value, student[key])
               for key, value in method.teacher.state_dict().items())


def test_bad_teachers_are_refused_in_one_line(tiny_cdlm_teacher, tmp_path):
    def refused(teacher, data=None):
        settings = tiny_dirt_t(teacher)
        settings["data"].update(data or {})
        with pytest.raises(ConfigError) as error:
            build_method(build_config({"method": "dirt_t", **settings}), torch.device("cpu"))
        assert "\n" not in str(error.value)
        return str(error.value)

    assert "not a run directory" in refused(tmp_path / "missing")
    assert "teacher's" in refused(tiny_cdlm_teacher, {"target": "digits"})
    # The augment_* settings set only the refinement's warp, so they may leave the teacher's.
    settings = tiny_dirt_t(tiny_cdlm_teacher)
    settings["data"].update(augment_fill="reflection", augment_rotation=5.0)
    method = build_method(build_config({"method": "dirt_t", **settings}), torch.device("cpu"))
    assert method.config.data.warp().fill == "reflection"
    translation_run = tmp_path / "cyclegn"
    translation_run.mkdir()
    save_config(build_config({"method": "cyclegn", **copy.deepcopy(TINY)}),
                translation_run / "config.yaml")
    assert "'cyclegn' run" in refused(translation_run)
    with pytest.raises(ConfigError, match="model.teacher is empty"):
        build_config({"method": "dirt_t"})
