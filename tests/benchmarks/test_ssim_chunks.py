"""benchmarks/ssim_chunks.py: SSIM of random pairs in chunks and in one call, the same mean,
both timed; bad arguments fail in one line."""

from __future__ import annotations

import json
import subprocess

from tests.benchmarks.studies import run_study


def _benchmark(*args: str) -> subprocess.CompletedProcess:
    return run_study("ssim_chunks", *args)


def test_chunks_give_the_mean_of_one_call_and_are_timed(tmp_path):
    out = tmp_path / "ssim"
    done = _benchmark("--images", "150", "--size", "16", "--threads", "1", "--repeats", "2",
                      "--out", str(out))
    assert done.returncode == 0, done.stderr
    (row,) = json.loads((out / "ssim_chunks.json").read_text())["rows"]
    assert row["threads"] == 1 and 0.0 < row["ssim"] < 1.0
    assert row["max_mean_difference"] < 1e-6
    assert all(len(samples) == 2 for samples in row["samples_s"].values())
    assert "| 1 |" in (out / "ssim_chunks.md").read_text()


def test_a_size_under_the_window_is_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "ssim"
    done = _benchmark("--size", "8", "--out", str(out))
    assert done.returncode != 0 and "--size" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
