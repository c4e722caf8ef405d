"""benchmarks/backward_pruning.py: a tiny CDLM preset (scikit-learn digits -> digits over
photos) trained with and without the pruned backward pass, weights compared, both timed."""

from __future__ import annotations

import subprocess

import yaml

from tests.benchmarks.studies import PAIRED_SMALLEST, paired_row, run_study
from tests.conftest import TINY_UDA


def _benchmark(*args: str) -> subprocess.CompletedProcess:
    return run_study("backward_pruning", *args)


def test_pruned_backward_leaves_the_weights_bit_identical_and_is_timed(tmp_path):
    preset, out = tmp_path / "cdlm.yaml", tmp_path / "pruning"
    preset.write_text(yaml.safe_dump({"method": "cdlm", "strategy": {"name": "alternating"},
                                      **TINY_UDA["cdlm"]}))
    done = _benchmark(str(preset), *PAIRED_SMALLEST, "--out", str(out))
    assert done.returncode == 0, done.stderr
    row = paired_row(out, "backward_pruning")
    assert row["method"] == "cdlm"
    assert row["ratio"] == row["median_s"]["stepped players only"] / row["median_s"]["every parameter"]
    assert "| cdlm | cpu" in (out / "backward_pruning.md").read_text()


def test_a_bad_override_is_one_line_and_writes_nothing(tmp_path):
    preset, out = tmp_path / "cdlm.yaml", tmp_path / "pruning"
    preset.write_text(yaml.safe_dump({"method": "cdlm", **TINY_UDA["cdlm"]}))
    done = _benchmark(str(preset), "--set", "model.no_such_key=1", "--out", str(out))
    assert done.returncode != 0 and "no_such_key" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
