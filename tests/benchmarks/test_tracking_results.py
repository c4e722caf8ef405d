"""benchmarks/tracking_results.py's TRE columns: per-seed reports summarised, then averaged."""

from __future__ import annotations

import pytest

NAMES = ("Couple", "Crossing", "David", "Diving", "Football1", "bag")


@pytest.fixture
def results():
    from benchmarks import tracking_results

    return tracking_results


def _tre_report(auc: float) -> dict:
    return {"protocol": "pysot_otb", "tracked_frames": 100, "fps": 50.0,
            "sequences": {name: {"auc": auc + 0.01 * i} for i, name in enumerate(NAMES)},
            "mean": {"auc": auc + 0.025}}


def test_tre_summary_means_the_five_otb_sequences(results):
    summary = results.tre_summary(_tre_report(0.5))
    assert summary["mean_otb5_auc"] == pytest.approx(0.52)  # 0.50 ... 0.54
    assert summary["mean_auc"] == pytest.approx(0.525)
    assert summary["auc"]["bag"] == pytest.approx(0.55)


def test_seed_tre_and_its_table(results):
    summaries = [results.tre_summary(_tre_report(auc)) for auc in (0.5, 0.6)]
    tre = results._seed_tre(summaries)
    assert tre["mean_otb5_auc"] == pytest.approx(0.57)
    assert tre["mean_otb5_auc_std"] == pytest.approx(0.05)
    assert tre["tracked_frames"] == 200
    rows = [{"name": "CycleTrack (2 seeds)", "tre": tre},
            {"name": "ncc", "tre": results.tre_summary(_tre_report(0.3))},
            {"name": "UDT (published boxes)"}]
    lines = results._tre_markdown(rows, list(NAMES))
    assert any(line.startswith("| CycleTrack (2 seeds) | 0.550 |") and
               "| 0.570 ± 0.050 | 0.575 ± 0.050 | 200 |" in line for line in lines)
    assert any(line.startswith("| ncc | 0.300 |") and "| 0.320 | 0.325 | 100 |" in line
               for line in lines)
    assert not any("UDT" in line for line in lines)
    assert results._tre_markdown(rows[2:], list(NAMES)) == []
