"""benchmarks/vat_clean_pass.py: DIRT-T refinements of a tiny CDLM teacher with the student's
clean prediction reused in VAT and predicted again, weights compared, both timed."""

from __future__ import annotations

import subprocess

from tests.benchmarks.studies import PAIRED_SMALLEST, paired_row, run_study


def _benchmark(*args: str) -> subprocess.CompletedProcess:
    return run_study("vat_clean_pass", *args)


def test_reusing_the_clean_prediction_leaves_the_weights_bit_identical_and_is_timed(
        tiny_cdlm_teacher, tmp_path):
    out = tmp_path / "vat"
    done = _benchmark(str(tiny_cdlm_teacher), *PAIRED_SMALLEST, "--out", str(out))
    assert done.returncode == 0, done.stderr
    row = paired_row(out, "vat_clean_pass")
    assert row["teacher_method"] == "cdlm"
    medians = row["median_s"]
    assert row["ratio"] == medians["clean prediction reused"] / medians["clean prediction recomputed"]
    assert "| cdlm | 32-true | cpu" in (out / "vat_clean_pass.md").read_text()


def test_a_teacher_that_is_not_a_run_is_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "vat"
    done = _benchmark(str(tmp_path / "nowhere"), "--out", str(out))
    assert done.returncode != 0 and "not a run directory" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
