"""benchmarks/data_parallel_cpu.py: a tiny preset trained with two threads and with two DDP
processes, the same global batch, timed and reported; bad input refused in one line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from tests.benchmarks.studies import run_study


def _benchmark(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return run_study("data_parallel_cpu", *args, cwd=cwd)


def _preset(tmp_path: Path, tiny_settings: dict) -> Path:
    preset = tmp_path / "tiny.yaml"
    preset.write_text(yaml.safe_dump({"method": "cyclegn", **tiny_settings}))
    return preset


def test_both_ways_train_the_same_global_batch_and_are_timed(tmp_path, tiny_settings):
    out, runs = tmp_path / "out", tmp_path / "runs"
    done = _benchmark(str(_preset(tmp_path, tiny_settings)), "--steps", "2", "--rounds", "1",
                      "--runs-dir", str(runs), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads((out / "data_parallel_cpu.json").read_text())
    ways = result["ways"]
    assert ways["threads"]["overrides"] == ["train.num_threads=2", "train.devices=1"]
    assert ways["data parallel"]["overrides"] == ["train.num_threads=1", "train.devices=2",
                                                  "train.batch_size=2"]  # 4 images in all
    assert all(len(way["samples_s"]) == 1 and way["median_s"] > 0 for way in ways.values())
    assert ways["data parallel"]["ratio"] == (ways["data parallel"]["median_s"]
                                              / ways["threads"]["median_s"])
    assert "| data parallel |" in (out / "data_parallel_cpu.md").read_text()
    assert not any(runs.iterdir())  # the scratch runs are deleted once read


def test_a_batch_that_does_not_split_is_one_line_and_writes_nothing(tmp_path, tiny_settings):
    out = tmp_path / "out"
    done = _benchmark(str(_preset(tmp_path, tiny_settings)), "--set", "train.batch_size=5",
                      "--runs-dir", str(tmp_path / "runs"), "--out", str(out), cwd=tmp_path)
    assert done.returncode != 0 and "does not split into 2 equal shares" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()


def test_a_preset_that_is_not_there_is_one_line(tmp_path):
    done = _benchmark(str(tmp_path / "nowhere.yaml"), "--out", str(tmp_path / "out"),
                      cwd=tmp_path)
    assert done.returncode != 0 and "nowhere.yaml" in done.stderr
    assert "Traceback" not in done.stderr
