"""benchmarks/mnistm_recipes.py: merging a new call's runs into the earlier report, the
summary and the table (building the recipes needs ../shared; it is exercised by the benchmark)."""

from __future__ import annotations

import pytest

from benchmarks import mnistm_recipes


def _run(row: str, seed: int, accuracy: float, measured: str) -> dict:
    return {"row": row, "seed": seed, "measured": measured, "recorded_target_acc": accuracy,
            "accuracy": dict.fromkeys(mnistm_recipes.RECIPES, accuracy)}


def test_new_runs_replace_their_row_and_seed_only_and_rows_keep_the_table_order():
    earlier = [_run("cdlm", 0, 0.8, "then"), _run("dann", 1, 0.6, "then"),
               _run("source_only", 0, 0.3, "then")]
    merged = mnistm_recipes.merge_runs(earlier, [_run("dann", 1, 0.9, "now"),
                                                 _run("dann", 0, 0.85, "now")])
    assert [(run["row"], run["seed"], run["measured"]) for run in merged] == [
        ("source_only", 0, "then"), ("dann", 0, "now"), ("dann", 1, "now"), ("cdlm", 0, "then")]
    summary = mnistm_recipes.summarise(merged)
    assert summary["dann"]["binarised"]["mean"] == pytest.approx(0.875)
    assert summary["dann"]["binarised"]["n"] == 2 and summary["cdlm"]["cyclekit"]["n"] == 1
    table = mnistm_recipes.markdown({"date": "now", "runs_dir": "runs", "device": "cpu",
                                     "torch": "2", "wall_time_s": 1.0, "runs": merged,
                                     "summary": summary})
    assert "| dann | 0.875 ± 0.035 (2) |" in table and "| cdlm | 0.800 (1) |" in table
