"""Smoke test of benchmarks/uda_results.py on scikit-learn digits -> digits over photos with
tiny overrides: runs train through the CLI, finished runs are not repeated, the report and the
figures are written."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.benchmarks.studies import study_command, study_env

TINY = ["data.source=digits", "data.target=digits_m", "data.channels=3", "data.image_size=16",
        "data.limit_train=160", "data.limit_test=64", "data.val_size=32", "train.steps=4",
        "train.batch_size=8", "train.eval_every=2", "train.sample_every=4",
        "train.checkpoint_every=2", "model.width=4"]


def _bench(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [*study_command("uda_results"), "--tasks", "mnist_usps", "--rows", "cdlm", "dann",
               "--seeds", "0", "--parallel", "2", "--runs-dir", str(tmp_path / "runs"),
               "--out", str(tmp_path / "out"), "--figures", str(tmp_path / "fig"), *extra]
    for item in TINY:
        command += ["--set", item]
    env = study_env(OMP_NUM_THREADS="1")  # tiny runs: no thread pools to spin
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env,
                          check=False)


def test_runs_collects_and_does_not_repeat_finished_runs(tmp_path):
    first = _bench(tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.stdout.count("done in") == 2, first.stdout
    result = json.loads((tmp_path / "out" / "uda.json").read_text())
    assert {(run["row"], run["method"], run["strategy"]) for run in result["runs"]} == {
        ("cdlm", "cdlm", "alternating"), ("dann", "dann", "alternating")}
    for run in result["runs"]:
        assert 0.0 <= run["metrics"]["target_acc"] <= 1.0 and run["run_wall_time_s"] > 0
        assert run["data"]["source"] == "digits" and run["checkpoint_rule"] == "last"
    cdlm = result["summary"]["mnist_usps"]["cdlm"]["metrics"]
    assert "ssim_ts" in cdlm and cdlm["target_acc"]["n"] == 1
    assert result["paper"]["table2"]["mnist_usps"]["cdlm"] == 0.961
    table = (tmp_path / "out" / "uda.md").read_text()
    assert "| CDLM (x~_ts) | cdlm | alternating | 1 | 0.961 |" in table
    assert "| Source only (lower bound) | – | – | not run | 0.634 |" in table
    assert "| CDLM-PM1 | not run | 0.950 | – | – |" in table
    for name in ("uda_a_distance.png", "uda_tsne_mnist_usps.png", "uda_generations_mnist_usps.png"):
        assert 0 < (tmp_path / "fig" / name).stat().st_size < 300_000, name

    second = _bench(tmp_path, "--rows", "cdlm", "--device", "cuda (a lent GPU)")
    assert second.returncode == 0 and second.stdout.count("finished earlier") == 1
    kept = json.loads((tmp_path / "out" / "uda.json").read_text())["runs"]
    assert sorted(run["row"] for run in kept) == ["cdlm", "dann"]  # dann kept from the first call
    devices = {run["row"]: run["device"] for run in kept}  # runs trained elsewhere, said so
    assert devices["cdlm"] == "cuda (a lent GPU)" and devices["dann"].startswith("cpu (")
    assert "![uda_generations_mnist_usps](../fig/uda_generations_mnist_usps.png)" in (
        tmp_path / "out" / "uda.md").read_text()

    # Other overrides: the finished folder is not taken for this budget, nor are the runs kept
    # in uda.json, so a row never mixes two budgets.
    third = _bench(tmp_path, "--rows", "cdlm", "--report-only", "--set", "train.lr=0.02")
    assert third.returncode == 0, third.stderr[-2000:]
    assert "another version of its preset" in third.stdout
    assert "dropped from uda.json" in third.stdout
    assert json.loads((tmp_path / "out" / "uda.json").read_text())["runs"] == []

    # The report says how many threads each run trained on, from the run's own config.
    fourth = _bench(tmp_path / "threads", "--rows", "dann", "--set", "train.num_threads=2")
    assert fourth.returncode == 0, fourth.stderr[-2000:]
    run, = json.loads((tmp_path / "threads" / "out" / "uda.json").read_text())["runs"]
    assert "2 threads per run" in run["device"], run["device"]


def test_ordering_of_a_task_the_paper_gives_no_numbers_for():
    from benchmarks import uda_results

    rows = ["cdlm_pm1", "cdlm_pm2", "cdlm"]
    summary = {"fashion_fashionm": {row: {"metrics": {"target_acc": {"mean": acc}}}
                                    for row, acc in zip(rows, (0.5, 0.4, 0.6))}}
    line = uda_results._ordering_line(summary, "fashion_fashionm", rows, [None] * 3)
    assert "cdlm_pm2 < cdlm_pm1 < cdlm" in line and "no numbers" in line
    line = uda_results._ordering_line(summary, "fashion_fashionm", rows, [0.95, 0.953, 0.961])
    assert "breaks 1 of its orders (cdlm_pm1 ≥ cdlm_pm2) of the paper's cdlm_pm1 < cdlm_pm2" in line
    line = uda_results._ordering_line(summary, "fashion_fashionm", rows, [0.9, 0.5, 0.9])
    assert "keeps every order of the paper's cdlm_pm2 < cdlm_pm1 = cdlm" in line
