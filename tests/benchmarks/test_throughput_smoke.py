"""Smoke test of benchmarks/throughput.py: the --quick mode runs and writes the expected report."""

from __future__ import annotations

import json

from tests.benchmarks.studies import run_study

TOP_LEVEL = ("benchmark", "date", "wall_time_s", "torch", "threads", "cpu_model", "batch_size",
             "sizes", "reps", "warmup", "peak_gflops", "results", "best_variants")
ROW = ("method", "strategy", "image_size", "batch_size", "path", "variant", "channels_last",
       "compiled", "images_per_s", "median_images_per_s", "min_images_per_s",
       "max_images_per_s", "flops_per_step", "achieved_gflops", "fraction_of_peak")


def test_quick_run_writes_json_and_markdown(tmp_path):
    completed = run_study("throughput", "--quick", "--out", tmp_path,
                          timeout=400)  # slow on a busy CPU
    assert completed.returncode == 0, completed.stderr[-2000:]
    result = json.loads((tmp_path / "throughput.json").read_text())
    for key in TOP_LEVEL:
        assert key in result, key
    assert result["quick"] is True and result["peak_gflops"] > 0
    rows = result["results"]
    assert {r["method"] for r in rows} == {"cyclegan", "cyclegn"}
    for method in ("cyclegan", "cyclegn"):
        paths = [r["path"] for r in rows if r["method"] == method]
        assert paths.count("reference") == 1 and paths.count("cyclekit") >= 1
    for row in rows:
        assert row["error"] is None
        for key in ROW:
            assert key in row, key
        assert len(row["images_per_s"]) == result["reps"]
        assert row["median_images_per_s"] > 0 and row["flops_per_step"] > 0
        assert 0 < row["fraction_of_peak"]
        if row["path"] == "cyclekit":
            assert row["ratio_vs_reference"]["of_medians"] > 0
    # both paths do the same arithmetic
    for method in ("cyclegan", "cyclegn"):
        assert len({r["flops_per_step"] for r in rows if r["method"] == method}) == 1
    table = (tmp_path / "throughput.md").read_text()
    assert "| method |" in table and "reference" in table
