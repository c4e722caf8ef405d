"""Smoke test of benchmarks/translation_results.py on scikit-learn digits with tiny overrides:
runs train through the CLI, finished runs are not repeated, the report and figure are written."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.benchmarks.studies import study_command, study_env

TINY = ["data.x=digits", "data.y=digits", "data.limit_train=160", "data.limit_test=48",
        "data.val_size=32", "data.image_size=16", "train.steps=4", "train.precision=32-true",
        "model.generator_channels=8", "model.generator_blocks=1", "model.discriminator_channels=8",
        "eval.judge_epochs=1", "strategy.min_inner_steps=2"]


def _bench(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [*study_command("translation_results"), "--datasets", "mnist_usps", "--rows", "cyclegan",
               "cyclegn", "--seeds", "0", "--parallel", "2", "--runs-dir", str(tmp_path / "runs"),
               "--out", str(tmp_path / "out"), "--figures", str(tmp_path / "fig"), *extra]
    for item in TINY:
        command += ["--set", item]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=study_env(),
                          check=False)


def test_runs_collects_and_does_not_repeat_finished_runs(tmp_path):
    first = _bench(tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.stdout.count("done in") == 2
    result = json.loads((tmp_path / "out" / "translation.json").read_text())
    assert {(run["row"], run["strategy"]) for run in result["runs"]} == {("cyclegan", "joint"),
                                                                        ("cyclegn", "em")}
    for run in result["runs"]:
        assert 0.0 <= run["metrics"]["acc_x2y"] <= 1.0 and run["run_wall_time_s"] > 0
    assert result["checkpoint_rule"] == "last"
    table = (tmp_path / "out" / "translation.md").read_text()
    assert "| CycleGAN (GAN + both cycles) | cyclegan | joint | 1 |" in table
    assert "| GAN alone | – | – | not run |" in table
    assert (tmp_path / "fig" / "translation_mnist_usps.png").stat().st_size > 0

    second = _bench(tmp_path)
    assert second.returncode == 0 and second.stdout.count("finished earlier") == 2
