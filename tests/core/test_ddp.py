"""Data-parallel training with 2 CPU processes on the gloo backend."""

import json
import subprocess
import sys
from pathlib import Path

import yaml

from cyclekit.core.run_log import read_records

HERE = Path(__file__).resolve().parent


def test_gradients_are_averaged_and_ranks_stay_identical(tmp_path):
    out = tmp_path / "result.json"
    subprocess.run([sys.executable, str(HERE / "ddp_players_script.py"), str(out)], check=True,
                   timeout=240, cwd=tmp_path)
    assert json.loads(out.read_text()) == {"world_size": 2, "ranks_equal": True,
                                           "moved_by_average": True,
                                           "nan_on_one_rank_skips_everywhere": True}


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
