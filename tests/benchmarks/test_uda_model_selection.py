"""benchmarks/uda_model_selection.py: the label-free criteria, the picks and the report; one
tiny CDLM run (scikit-learn digits -> digits over photos) measured end to end."""

from __future__ import annotations

import json
import math
import subprocess

import pytest
import torch

from benchmarks import uda_model_selection
from tests.benchmarks.studies import study_command, study_env
from tests.benchmarks.test_uda_results_smoke import TINY


def test_information_maximisation_rewards_confident_predictions_spread_over_classes():
    spread = torch.eye(4).repeat(5, 1)  # confident, every class equally often
    assert uda_model_selection.information_maximization(spread) == pytest.approx(math.log(4))
    one_class = torch.zeros(20, 4)
    one_class[:, 2] = 1.0
    assert uda_model_selection.information_maximization(one_class) == pytest.approx(0.0)
    unsure = torch.full((20, 4), 0.25)
    assert uda_model_selection.information_maximization(unsure) == pytest.approx(0.0, abs=1e-6)


def _run(candidate: str, seed: int, dev: float, source: float, target: float) -> dict:
    return {"task": "mnist_mnistm", "candidate": candidate, "seed": seed, "dev_target_acc": dev,
            "source_val_acc": source, "information_maximization": dev, "target_acc": target}


def test_each_criterion_picks_per_seed_and_by_its_mean_and_is_scored_on_the_target():
    runs = [_run("a", 0, 0.9, 0.99, 0.7), _run("b", 0, 0.8, 0.98, 0.9),
            _run("a", 1, 0.7, 0.97, 0.6), _run("b", 1, 0.95, 0.96, 0.8),
            _run("c", 2, 0.99, 0.99, 0.5)]  # alone in its seed: no per-seed pick there
    summary = uda_model_selection.summarize(runs)["mnist_mnistm"]
    dev = summary["picks"]["dev_target_acc"]
    assert [(p["seed"], p["candidate"], p["target_acc"]) for p in dev["per_seed"]] == [
        (0, "a", 0.7), (1, "b", 0.8)]
    assert dev["candidate"] == "c" and dev["target_acc"] == 0.5
    assert dev["mean_regret"] == pytest.approx((0.2 + 0.0) / 2)
    source = summary["picks"]["source_val_acc"]
    assert [p["candidate"] for p in source["per_seed"]] == ["a", "a"]
    assert summary["picks"]["target_acc"]["candidate"] == "b"
    assert summary["candidates"]["a"]["target_acc"] == pytest.approx(0.65)
    assert summary["candidates"]["a"]["seeds"] == [0, 1]
    assert -1.0 <= summary["spearman"]["dev_target_acc"] <= 1.0
    table = uda_model_selection.markdown({"date": "now", "protocol": "DEV", "device": "cpu",
                                          "torch": "2", "checkpoint_rule": "last",
                                          "runs": [], "tasks": {"mnist_mnistm": summary}})
    assert "| a | 0, 1 | 0.800 | 0.980 | 0.800 | 0.650 |" in table
    assert "| DEV | c | 0.500 | 0: a (0.700); 1: b (0.800) | 0.100 |" in table


def test_a_malformed_candidate_is_refused_in_one_line():
    with pytest.raises(SystemExit, match="NAME=ROW:DIR"):
        uda_model_selection.parse_candidate("cdlm")
    assert uda_model_selection.parse_candidate("wide=cdlm:a,b") == ("wide", ("cdlm", ["a", "b"]))


def test_a_tiny_run_is_measured_end_to_end(tmp_path):
    runs = tmp_path / "runs"
    command = [*study_command("uda_results"), "--tasks", "mnist_usps",
               "--rows", "cdlm", "--seeds", "0", "--runs-dir", str(runs / "tiny"),
               "--out", str(tmp_path / "uda"), "--figures", str(tmp_path / "figures")]
    for item in TINY:
        command += ["--set", item]
    env = study_env(OMP_NUM_THREADS="1")
    trained = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env,
                             check=False)
    assert trained.returncode == 0, trained.stderr[-2000:]
    out = tmp_path / "selection"
    measured = subprocess.run(
        [*study_command("uda_model_selection"), "--tasks", "mnist_usps",
         "--seeds", "0", "--runs-root", str(runs), "--candidate", "tiny cdlm=cdlm:missing,tiny",
         "--out", str(out)], capture_output=True, text=True, timeout=300, env=env, check=False)
    assert measured.returncode == 0, measured.stderr[-2000:]
    result = json.loads((out / "uda_model_selection.json").read_text())
    (run,) = result["runs"]
    recorded = json.loads((runs / "tiny/mnist_usps/cdlm/seed0/metrics.json").read_text())
    assert run["target_acc"] == pytest.approx(recorded["test/target_acc"], abs=1e-6)
    assert run["folder"] == "tiny/mnist_usps/cdlm/seed0" and run["validation_samples"] == 32
    assert 0.0 <= run["source_val_acc"] <= 1.0 and 0.0 <= run["information_maximization"]
    assert math.isfinite(run["dev_target_acc"]) and run["effective_samples"] <= 32 + 1e-9
    assert "| tiny cdlm | 0 |" in (out / "uda_model_selection.md").read_text()
    assert 0 < (out / "uda_model_selection.png").stat().st_size < 300_000
    again = subprocess.run(measured.args, capture_output=True, text=True, timeout=300, env=env,
                           check=False)
    assert again.returncode == 0 and "seed 0:" not in again.stdout  # kept, not measured again
    assert json.loads((out / "uda_model_selection.json").read_text())["runs"] == [run]
