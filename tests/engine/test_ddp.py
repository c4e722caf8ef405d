"""Data-parallel training with 2 CPU processes on the gloo backend."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from safetensors.torch import load_file

from cyclekit.engine.run_log import read_records

HERE = Path(__file__).resolve().parent


def test_gradients_are_averaged_and_ranks_stay_identical(tmp_path):
    out = tmp_path / "result.json"
    subprocess.run([sys.executable, str(HERE / "ddp_players_script.py"), str(out)], check=True,
                   timeout=240, cwd=tmp_path)
    assert json.loads(out.read_text()) == {"world_size": 2, "ranks_equal": True,
                                           "moved_by_average": True,
                                           "nan_on_one_rank_skips_everywhere": True}


def test_dual_em_ranks_switch_phases_together_on_the_mean_loss(tmp_path):
    out = tmp_path / "result.json"
    subprocess.run([sys.executable, str(HERE / "ddp_em_script.py"), str(out)], check=True,
                   timeout=240, cwd=tmp_path)
    assert json.loads(out.read_text()) == {"ranks_saw_different_losses": True,
                                           "phases_equal": True, "switched": True,
                                           "weights_equal": True, "rule_equal": True}


def test_cli_trains_with_two_processes(tmp_path, tiny_settings):
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump({"method": "cyclegn", **tiny_settings}))
    run = tmp_path / "run"
    subprocess.run(["cyclekit", "train", str(config), "--out", str(run), "--no-progress",
                    "--set", "train.devices=2"], check=True, timeout=300, cwd=tmp_path,
                   capture_output=True)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["train/steps"] == 6
    assert any("loss/cycle_x" in r for r in read_records(run))


# Every rank draws its own noise, history-buffer picks and warps: a checkpoint keeps each
# rank's generators and buffers, and a resumed run continues every rank's own stream.
@pytest.mark.parametrize("method, extra", [("cyclegan", {"model": {"history_size": 3}}),
                                           ("cdlm", {"data": {"augment_labelled": True},
                                                     "train": {"ema_decay": 0.9}})])
def test_two_process_run_resumes_bit_for_bit(tmp_path, tiny_settings_for, method, extra):
    settings = tiny_settings_for(method)
    for section, values in extra.items():
        settings.setdefault(section, {}).update(values)
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump({"method": method, **settings}))

    def train(run, *flags):
        subprocess.run(["cyclekit", "train", str(config), "--out", str(run), "--no-progress",
                        "--set", "train.devices=2", *flags], check=True, timeout=300,
                       cwd=tmp_path, capture_output=True)

    full, crashed = tmp_path / "full", tmp_path / "crashed"
    train(full)
    shutil.copytree(full, crashed)  # a crash right after the step-3 checkpoint
    shutil.rmtree(crashed / "checkpoints" / "step_0000006")
    (crashed / "metrics.json").unlink()
    (crashed / "checkpoints" / "LATEST").write_text("step_0000003\n")
    train(crashed, "--resume")
    saved = sorted(p.name for p in (full / "checkpoints/step_0000006").glob("*.safetensors"))
    assert saved == (["averaged.safetensors", "weights.safetensors"] if method == "cdlm"
                     else ["weights.safetensors"])
    for name in saved:
        a = load_file(str(full / "checkpoints/step_0000006" / name))
        b = load_file(str(crashed / "checkpoints/step_0000006" / name))
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), name
    state = torch.load(full / "checkpoints/step_0000003/state.pt", weights_only=True)
    first, second = (rank["rng"]["torch"] for rank in state["ranks"])
    assert not torch.equal(first, second)  # the ranks' streams differ
