"""benchmarks/tracking_curves.py: seeds aggregated step by step, the report's tables."""

from __future__ import annotations

import pytest


@pytest.fixture
def curves():
    from benchmarks import tracking_curves

    return tracking_curves


def _point(step: int, auc: float, val: float | None = None, tre: float | None = None) -> dict:
    return {"step": step, "auc_otb5": auc, "auc_all": auc - 0.01, "auc": {"David": auc},
            "synthetic_auc": 0.85, "val_cycle_box": val, "tre_auc_otb5": tre,
            "tre_auc_all": None if tre is None else tre + 0.01}


def test_aggregate_keeps_the_steps_every_seed_reached(curves):
    runs = {0: [_point(0, 0.40), _point(250, 0.50, 0.3), _point(500, 0.56, 0.2)],
            1: [_point(0, 0.44), _point(250, 0.52, 0.5)]}
    rows = curves.aggregate(runs)
    assert [row["step"] for row in rows] == [0, 250]
    assert rows[1]["auc_otb5"] == pytest.approx(0.51)
    assert rows[1]["auc_otb5_std"] == pytest.approx(0.01)
    assert rows[1]["val_cycle_box"] == pytest.approx(0.4)
    assert rows[0]["val_cycle_box"] is None  # the untrained network logs no validation loss


def test_markdown_lists_every_step_of_each_method_and_seed(curves):
    runs = {0: [_point(0, 0.40, tre=0.30), _point(250, 0.50, 0.3)],
            2: [_point(0, 0.42, tre=0.34), _point(250, 0.54, 0.2)]}
    method = {"preset": "configs/tracking/cycletrack_em.yaml", "per_seed": runs,
              "curve": curves.aggregate(runs)}
    result = {"date": "2026-11-26", "overrides": ["train.checkpoint_every=250"], "seeds": [0, 2],
              "tre_steps": [0],
              "protocol": "pysot_otb", "device": "cpu", "torch": "2.13.0",
              "checkpoint_rule": "last", "data": {"synthetic": "16 clips"},
              "wall_time_s": 10.0, "scoring_wall_time_s": 5.0, "figure": "fig.png",
              "methods": {"CycleTrack-EM": method}}
    text = curves._markdown(result)
    assert ("| CycleTrack-EM | 250 | 2 | 0.520 ± 0.020 | 0.510 ± 0.020 | – | – "
            "| 0.850 ± 0.000 | 0.250 ± 0.050 |") in text
    assert "| CycleTrack-EM | 0 | 2 | 0.410 ± 0.010 | 0.400 ± 0.010 | 0.320 ± 0.020 |" in text
    assert "| 2 | 0.420 | 0.540 |" in text
    assert "| seed | step 0 | step 250 |" in text
    assert "## CycleTrack-EM per seed (TRE AUC OTB-5)" in text and "| 2 | 0.340 |" in text
