"""benchmarks/weight_average_eval.py: one run scored through its average and its last iterate,
the average checked against the run's record, and runs without an average refused."""

from __future__ import annotations

import json
import sys

import pytest

from benchmarks import weight_average_eval
from cyclekit.config import build_config
from cyclekit.engine.trainer import train

pytestmark = pytest.mark.usefixtures("one_thread")


def _run(tmp_path, tiny_settings_for, name, decay):
    settings = tiny_settings_for("cdlm")
    settings["train"]["ema_decay"] = decay
    run_dir = tmp_path / name
    train(build_config({"method": "cdlm", **settings}), run_dir, progress=False)
    return run_dir


def test_both_weight_sets_are_scored_and_the_average_matches_the_record(
        tmp_path, tiny_settings_for, monkeypatch):
    run_dir = _run(tmp_path, tiny_settings_for, "averaged", 0.5)
    out = tmp_path / "out"
    monkeypatch.setattr(sys, "argv", ["weight_average_eval.py", str(run_dir), "--out", str(out),
                                      "--threads", "1"])
    weight_average_eval.main()
    result = json.loads((out / "weight_average_eval.json").read_text())
    (row,) = result["runs"]
    recorded = json.loads((run_dir / "metrics.json").read_text())
    assert row["averaged"]["target_acc"] == pytest.approx(recorded["test/target_acc"], abs=1e-6)
    assert row["averaged"]["source_acc"] == pytest.approx(recorded["test/source_acc"], abs=1e-6)
    assert row["last_iterate"] == weight_average_eval.scores(run_dir, "last_iterate")
    assert set(row) == {"run", "averaged", "last_iterate", "last_iterate_reestimated"}
    table = (out / "weight_average_eval.md").read_text()
    assert f"| {run_dir} | {row['averaged']['target_acc']:.4f} | " in table
    assert "averaged minus last iterate, statistics re-estimated: median" in table
    assert "over 1 run(s)" in table


def test_a_run_without_an_average_is_refused(tmp_path, tiny_settings_for, monkeypatch):
    run_dir = _run(tmp_path, tiny_settings_for, "plain", 0.0)
    monkeypatch.setattr(sys, "argv", ["weight_average_eval.py", str(run_dir), "--out",
                                      str(tmp_path / "out")])
    with pytest.raises(SystemExit, match="kept no weight average"):
        weight_average_eval.main()
    assert not (tmp_path / "out").exists()
