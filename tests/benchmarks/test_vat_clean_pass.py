"""benchmarks/vat_clean_pass.py: DIRT-T refinements of a tiny CDLM teacher with the student's
clean prediction reused in VAT and predicted again, weights compared, both timed."""

from __future__ import annotations

import json
import subprocess

from tests.benchmarks.studies import run_study


def _benchmark(*args: str) -> subprocess.CompletedProcess:
    return run_study("vat_clean_pass", *args)


def test_reusing_the_clean_prediction_leaves_the_weights_bit_identical_and_is_timed(
        tiny_cdlm_teacher, tmp_path):
    out = tmp_path / "vat"
    done = _benchmark(str(tiny_cdlm_teacher), "--set", "train.precision=32-true", "--threads", "1",
                      "--rounds", "2", "--warmup", "0", "--steps", "2", "--check-steps", "4",
                      "--out", str(out))
    assert done.returncode == 0, done.stderr
    (row,) = json.loads((out / "vat_clean_pass.json").read_text())["rows"]
    assert row["teacher_method"] == "cdlm" and row["threads"] == 1
    assert row["max_weight_difference_after_check"] == 0.0
    assert all(len(samples) == 2 for samples in row["samples_s"].values())
    medians = row["median_s"]
    assert row["ratio"] == medians["clean prediction reused"] / medians["clean prediction recomputed"]
    assert "| cdlm | 32-true | cpu" in (out / "vat_clean_pass.md").read_text()


def test_a_teacher_that_is_not_a_run_is_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "vat"
    done = _benchmark(str(tmp_path / "nowhere"), "--out", str(out))
    assert done.returncode != 0 and "not a run directory" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
