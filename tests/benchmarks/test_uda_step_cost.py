"""benchmarks/uda_step_cost.py: two variants of a tiny DANN preset (scikit-learn digits ->
digits over photos) timed side by side, the report written, bad variants refused."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from tests.benchmarks.studies import run_study
from tests.conftest import TINY_UDA


def _benchmark(*args: str) -> subprocess.CompletedProcess:
    return run_study("uda_step_cost", *args)


def _tiny_preset(tmp_path: Path) -> Path:
    preset = tmp_path / "dann.yaml"
    preset.write_text(yaml.safe_dump({"method": "dann", "strategy": {"name": "alternating"},
                                      **TINY_UDA["dann"]}))
    return preset


def test_two_variants_are_timed_side_by_side_and_reported(tmp_path):
    out = tmp_path / "cost"
    done = _benchmark(str(_tiny_preset(tmp_path)), "--variant", "plain=", "--variant",
                      "vada=model.weight_target_entropy=0.1,model.weight_target_vat=0.1",
                      "--set", "train.precision=32-true", "--rounds", "3", "--warmup", "1",
                      "--steps", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    result = json.loads((out / "step_cost.json").read_text())
    plain, vada = result["variants"]["plain"], result["variants"]["vada"]
    assert plain["overrides"] == [] and plain["ratio"] == 1.0
    assert vada["overrides"] == ["model.weight_target_entropy=0.1", "model.weight_target_vat=0.1"]
    assert len(vada["samples_s"]) == 3 and vada["min_s"] <= vada["median_s"] <= vada["max_s"]
    assert vada["ratio"] == vada["median_s"] / plain["median_s"]
    assert result["overrides"] == ["train.precision=32-true"]
    assert "| vada | model.weight_target_entropy=0.1" in (out / "step_cost.md").read_text()


def test_a_bad_override_or_variant_is_one_line_and_writes_nothing(tmp_path):
    preset, out = _tiny_preset(tmp_path), tmp_path / "cost"
    bad_key = _benchmark(str(preset), "--variant", "x=model.no_such_key=1", "--out", str(out))
    assert bad_key.returncode != 0 and "no_such_key" in bad_key.stderr
    assert "Traceback" not in bad_key.stderr
    nameless = _benchmark(str(preset), "--variant", "=model.width=8", "--out", str(out))
    assert nameless.returncode != 0 and "NAME=KEY=VALUE" in nameless.stderr
    twice = _benchmark(str(preset), "--variant", "a=", "--variant", "a=model.width=8",
                       "--out", str(out))
    assert twice.returncode != 0 and "share a name" in twice.stderr
    assert not out.exists()
