import json
import shutil

import pytest
import torch
from safetensors.torch import load_file

import cyclekit.engine.precision as precision
from cyclekit.config import build_config
from cyclekit.engine.loading import load_trained_method
from cyclekit.engine.schedules import lr_factor
from cyclekit.engine.trainer import evaluate_run, train
from cyclekit.errors import CheckpointError, CyclekitError, CyclekitWarning


def _config(settings, method="cyclegan", **overrides):
    return build_config({"method": method, **settings},
                        [f"{key}={value}" for key, value in overrides.items()])


def test_run_directory_layout(tmp_path, tiny_settings):
    metrics = train(_config(tiny_settings), tmp_path / "run", progress=False)
    run = tmp_path / "run"
    for name in ("config.yaml", "metrics.jsonl", "metrics.json", "report.html", "curves.png",
                 "samples/final.png", "samples/step_0000003.png", "checkpoints/LATEST"):
        assert (run / name).is_file(), name
    saved = json.loads((run / "metrics.json").read_text())
    assert saved == metrics
    assert saved["eval/checkpoint_rule"] == "last" and saved["train/steps"] == 6
    assert {"test/acc_x2y", "test/acc_y2x", "test/cycle_l1_x", "test/ssim_x2y"} <= set(saved)
    assert list((run / "tensorboard").iterdir())


def test_interrupted_and_resumed_run_matches_uninterrupted_bit_for_bit(tmp_path, tiny_settings):
    config = _config(tiny_settings, method="cyclegan", **{"model.history_size": 3})
    full = tmp_path / "full"
    train(config, full, progress=False)
    # a crash right after the step-3 checkpoint: later checkpoints and results never written
    crashed = tmp_path / "crashed"
    shutil.copytree(full, crashed)
    shutil.rmtree(crashed / "checkpoints" / "step_0000006")
    (crashed / "metrics.json").unlink()
    (crashed / "checkpoints" / "LATEST").write_text("step_0000003\n")
    resumed_metrics = train(config, crashed, resume=True, progress=False)
    full_metrics = json.loads((full / "metrics.json").read_text())
    tests = {k: v for k, v in full_metrics.items() if k.startswith("test/")}
    assert tests == {k: v for k, v in resumed_metrics.items() if k.startswith("test/")}
    a = load_file(str(full / "checkpoints/step_0000006/weights.safetensors"))
    b = load_file(str(crashed / "checkpoints/step_0000006/weights.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)

    def logged(run):
        records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
        return [r for r in records if "event" not in r]

    assert logged(crashed) == logged(full)  # records after step 3 were dropped and rewritten


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("method", ["cyclegan", "cyclegn"])
def test_resume_on_cuda_continues_from_the_checkpoint(tmp_path, tiny_settings, method):
    config = _config(tiny_settings, method=method, **{"train.accelerator": "cuda"})
    run = tmp_path / "run"
    train(config, run, progress=False)
    shutil.rmtree(run / "checkpoints" / "step_0000006")
    (run / "metrics.json").unlink()
    (run / "checkpoints" / "LATEST").write_text("step_0000003\n")
    assert train(config, run, resume=True, progress=False)["train/steps"] == 6


def test_em_resume_restores_phase_and_rule(tmp_path, tiny_settings):
    settings = {**tiny_settings, "strategy": {"name": "em", "check_every": 1, "min_inner_steps": 2,
                                              "max_inner_steps": 2}}
    config = _config(settings, method="cyclegn")
    full = tmp_path / "full"
    train(config, full, progress=False)
    events = [json.loads(line) for line in (full / "metrics.jsonl").read_text().splitlines()]
    switches = [e for e in events if e.get("event") == "em_switch"]
    assert [e["phase"] for e in switches] == ["g", "f", "g"]
    state = torch.load(full / "checkpoints/step_0000003/state.pt", weights_only=True)
    assert state["strategy"]["phase"] == "f" and state["strategy"]["rule"]["steps"] == 1
    crashed = tmp_path / "crashed"
    shutil.copytree(full, crashed)
    shutil.rmtree(crashed / "checkpoints" / "step_0000006")
    (crashed / "checkpoints" / "LATEST").write_text("step_0000003\n")
    (crashed / "metrics.json").unlink()
    train(config, crashed, resume=True, progress=False)
    a = load_file(str(full / "checkpoints/step_0000006/weights.safetensors"))
    b = load_file(str(crashed / "checkpoints/step_0000006/weights.safetensors"))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_refuses_to_overwrite_or_resume_nothing(tmp_path, tiny_settings):
    config = _config(tiny_settings)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "keep.txt").write_text("precious")
    with pytest.raises(CyclekitError, match="is not empty: it holds files that are not a run's"):
        train(config, tmp_path / "run", progress=False)
    assert (tmp_path / "run" / "keep.txt").read_text() == "precious"
    (tmp_path / "failed_start").mkdir()  # only the config of a start that failed
    (tmp_path / "failed_start" / "config.yaml").write_text("method: cyclegan\n")
    train(config, tmp_path / "failed_start", progress=False)
    assert (tmp_path / "failed_start" / "metrics.json").is_file()
    with pytest.raises(CyclekitError, match="holds no checkpoint"):
        train(config, tmp_path / "empty", resume=True, progress=False)


def test_checkpoint_of_another_config_is_refused(tmp_path, tiny_settings):
    train(_config(tiny_settings), tmp_path / "run", progress=False)
    other = _config(tiny_settings, **{"model.generator_channels": 16})
    with pytest.raises(CheckpointError, match="another configuration"):
        evaluate_run(other, tmp_path / "run")


def test_best_val_cycle_rule_selects_by_validation_only(tmp_path, tiny_settings):
    config = _config(tiny_settings, **{"eval.checkpoint": "best_val_cycle"})
    metrics = train(config, tmp_path / "run", progress=False)
    events = [json.loads(line) for line in (tmp_path / "run/metrics.jsonl").read_text().splitlines()]
    best = [e for e in events if e.get("event") == "best_checkpoint"]
    assert best and metrics["eval/checkpoint_step"] == best[-1]["step"]
    assert metrics["eval/checkpoint_rule"] == "best_val_cycle"


def test_best_val_cycle_rule_with_a_weight_average_keeps_and_evaluates_the_average(
        tmp_path, tiny_settings):
    config = _config(tiny_settings, **{"eval.checkpoint": "best_val_cycle",
                                       "train.ema_decay": 0.5})
    metrics = train(config, tmp_path / "run", progress=False)
    best = tmp_path / "run" / "checkpoints" / "best"
    assert (best / "averaged.safetensors").is_file()
    assert metrics["eval/weights"] == "averaged"
    _, method = load_trained_method(tmp_path / "run")
    averaged = load_file(str(best / "averaged.safetensors"))
    assert all(torch.equal(method.state_dict()[k], averaged[k]) for k in averaged)


def test_load_trained_method_takes_a_named_checkpoint(tmp_path, tiny_settings):
    train(_config(tiny_settings), tmp_path / "run", progress=False)
    checkpoints = tmp_path / "run" / "checkpoints"

    def weights(method):
        return {k: v.clone() for k, v in method.state_dict().items()}

    _, last = load_trained_method(tmp_path / "run")
    _, early = load_trained_method(tmp_path / "run", checkpoint=checkpoints / "step_0000003")
    saved = load_file(str(checkpoints / "step_0000003" / "weights.safetensors"))
    early_weights, last_weights = weights(early), weights(last)
    assert all(torch.equal(early_weights[k], saved[k]) for k in saved)
    assert any(not torch.equal(early_weights[k], last_weights[k]) for k in saved)
    with pytest.raises(CheckpointError, match="incomplete"):
        load_trained_method(tmp_path / "run", checkpoint=checkpoints / "step_0000099")


def test_a_weight_average_is_evaluated_checkpointed_and_resumed_bit_for_bit(tmp_path,
                                                                            tiny_settings):
    config = _config(tiny_settings, **{"train.ema_decay": 0.5})
    full = tmp_path / "full"
    metrics = train(config, full, progress=False)
    assert metrics["eval/weights"] == "averaged"
    last = full / "checkpoints" / "step_0000006"
    live, averaged = (load_file(str(last / name))
                      for name in ("weights.safetensors", "averaged.safetensors"))
    assert live.keys() == averaged.keys()
    assert any(not torch.equal(live[k], averaged[k]) for k in live)
    _, method = load_trained_method(full)
    assert all(torch.equal(method.state_dict()[k], averaged[k]) for k in averaged)
    again = evaluate_run(config, full)  # the final evaluation read the average too
    assert {k: v for k, v in again.items() if k.startswith("test/")} == {
        k: v for k, v in metrics.items() if k.startswith("test/")}

    crashed = tmp_path / "crashed"  # stopped after the step-3 checkpoint
    shutil.copytree(full, crashed)
    shutil.rmtree(crashed / "checkpoints" / "step_0000006")
    (crashed / "checkpoints" / "LATEST").write_text("step_0000003\n")
    train(config, crashed, resume=True, progress=False)
    resumed = load_file(str(crashed / "checkpoints/step_0000006/averaged.safetensors"))
    assert all(torch.equal(resumed[k], averaged[k]) for k in averaged)


def test_a_weight_average_leaves_training_alone_and_reestimates_its_batch_norm(
        tmp_path, tiny_settings_for):
    def trained(name, decay):
        settings = tiny_settings_for("cdlm")
        settings["train"]["ema_decay"] = decay
        train(build_config({"method": "cdlm", **settings}), tmp_path / name, progress=False)
        last = tmp_path / name / "checkpoints" / "step_0000006"
        return [load_file(str(path)) for path in sorted(last.glob("*.safetensors"))]

    (plain,) = trained("plain", 0.0)
    averaged, live = trained("averaged", 0.9)
    assert live.keys() == plain.keys() and all(torch.equal(live[k], plain[k]) for k in live)
    statistics = [k for k in live if k.endswith("running_mean")]
    assert statistics and all(not torch.equal(averaged[k], live[k]) for k in statistics)


def test_a_weight_average_set_on_resume_starts_there(tmp_path, tiny_settings):
    run = tmp_path / "run"
    train(_config(tiny_settings, **{"train.steps": 3}), run, progress=False)
    with pytest.raises(CheckpointError, match="holds no weight average"):
        evaluate_run(_config(tiny_settings, **{"train.ema_decay": 0.9}), run)
    metrics = train(_config(tiny_settings, **{"train.ema_decay": 0.9, "train.steps": 6}), run,
                    resume=True, progress=False)
    events = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert {"event": "weight_average_started", "step": 3} in events
    assert metrics["eval/weights"] == "averaged" and metrics["train/steps"] == 6


def test_lr_schedule_is_constant_then_linear_to_zero(tiny_settings):
    config = _config(tiny_settings, **{"train.steps": 100, "train.decay_start": 0.5})
    factor = lr_factor(config.train)
    assert [factor(s) for s in (0, 49, 50, 75, 100)] == [1.0, 1.0, 1.0, 0.5, 0.0]


def test_bf16_mixed_precision_trains_and_warns_where_it_is_emulated(tmp_path, tiny_settings,
                                                                     monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: False)
    with pytest.warns(CyclekitWarning, match="bf16-mixed is emulated on this CPU"):
        metrics = train(_config(tiny_settings, **{"train.precision": "bf16-mixed"}),
                        tmp_path / "run", progress=False)
    assert metrics["train/skipped_updates"] == 0 and metrics["test/cycle_l1_x"] < 2


def test_resume_after_a_log_line_cut_off_by_a_crash(tmp_path, tiny_settings):
    run = tmp_path / "run"
    train(_config(tiny_settings, **{"train.steps": 3}), run, progress=False)
    with open(run / "metrics.jsonl", "a") as log:
        log.write('{"step": 2, "lo')  # what a kill in the middle of a write leaves
    train(_config(tiny_settings, **{"train.steps": 6}), run, resume=True, progress=False)
    lines = (run / "metrics.jsonl").read_text().splitlines()
    assert all(json.loads(line) for line in lines)


def test_a_finished_run_without_checkpoints_is_not_retrained(tmp_path, tiny_settings):
    run = tmp_path / "run"
    train(_config(tiny_settings), run, progress=False)
    shutil.rmtree(run / "checkpoints")
    with pytest.raises(CyclekitError, match="is a finished run .* whose checkpoints are gone"):
        train(_config(tiny_settings), run, resume=True, progress=False)
