"""benchmarks/uda_refinement.py: the summary and one tiny CDLM run (scikit-learn digits ->
digits over photos) refined end to end, then collected again without training."""

from __future__ import annotations

import json
import subprocess

import pytest

from benchmarks import uda_refinement
from benchmarks.preset_runs import describe_device
from benchmarks.uda_results import ROWS
from tests.benchmarks.studies import study_command, study_env
from tests.benchmarks.test_uda_results_smoke import TINY


def _run(teacher: str, seed: int, before: float, after: float) -> dict:
    return {"task": "mnist_usps", "teacher": teacher, "seed": seed, "teacher_target_acc": before,
            "refined_target_acc": after, "refined_target_acc_feature": after,
            "teacher_wall_s": 700.0 + seed, "refined_wall_s": 150.0}


def test_the_summary_pairs_each_teacher_with_its_refinement():
    summary = uda_refinement.summarize([_run("cdlm", 0, 0.90, 0.95), _run("cdlm", 1, 0.92, 0.91),
                                        _run("dann", 0, 0.88, 0.93)])["mnist_usps"]
    cdlm = summary["cdlm"]
    assert cdlm["seeds"] == [0, 1]
    assert cdlm["gain"]["mean"] == pytest.approx((0.05 - 0.01) / 2)
    assert cdlm["refined_target_acc"]["mean"] == pytest.approx(0.93)
    assert cdlm["total_wall_s"]["mean"] == pytest.approx(850.5)
    assert summary["dann"]["gain"] == {"mean": pytest.approx(0.05), "std": 0.0, "n": 1}


def test_every_teacher_reads_a_row_of_the_results_from_folders_no_other_teacher_reads():
    seen = {}
    for teacher, (_, row, folders) in uda_refinement.TEACHERS.items():
        assert row in ROWS, teacher
        for folder in folders:
            assert (row, folder) not in seen, f"{teacher} and {seen[row, folder]} read one run"
            seen[row, folder] = teacher


def test_the_device_line_names_the_threads_the_refinements_copied_from_their_teachers():
    two = [{"refinement": {"train": {"num_threads": 2}}}]
    mixed = [{"refinement": {"train": {"num_threads": None}}}, *two]
    assert uda_refinement.refinement_threads(two) == "train.num_threads=2"
    assert uda_refinement.refinement_threads(mixed) == "train.num_threads=1/2"
    assert ", 2 threads per run, 1 run(s)" in describe_device(
        [uda_refinement.refinement_threads(two), "train.num_threads=1"], 1)


def test_a_tiny_run_is_refined_and_collected_end_to_end(tmp_path):
    runs = tmp_path / "runs"
    env = study_env(OMP_NUM_THREADS="1")
    command = [*study_command("uda_results"), "--tasks", "mnist_usps",
               "--rows", "cdlm", "--seeds", "0", "--runs-dir", str(runs / "uda"),
               "--out", str(tmp_path / "uda"), "--figures", str(tmp_path / "figures")]
    for item in TINY:
        command += ["--set", item]
    trained = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env,
                             check=False)
    assert trained.returncode == 0, trained.stderr[-2000:]
    out, refined_root = tmp_path / "out", tmp_path / "refined"
    refine = [*study_command("uda_refinement"), "--tasks", "mnist_usps",
              "--teachers", "cdlm", "--seeds", "0", "--runs-root", str(runs), "--runs-dir",
              str(refined_root), "--out", str(out), "--set", "train.steps=3",
              "--set", "train.checkpoint_every=3"]
    done = subprocess.run(refine, capture_output=True, text=True, timeout=300, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "done in" in done.stdout
    result = json.loads((out / "uda_refinement.json").read_text())
    (run,) = result["runs"]
    teacher = json.loads((runs / "uda/mnist_usps/cdlm/seed0/metrics.json").read_text())
    refined = json.loads((refined_root / "cdlm/mnist_usps/dirt_t/seed0/metrics.json").read_text())
    assert run["teacher_folder"] == "uda/mnist_usps/cdlm/seed0"
    assert run["teacher_target_acc"] == teacher["test/target_acc"]
    assert run["refined_target_acc"] == refined["test/target_acc"]
    assert refined["train/steps"] == 3 and run["refinement"]["train"]["steps"] == 3
    assert result["tasks"]["mnist_usps"]["cdlm"]["seeds"] == [0]
    assert "one thread per run, 2 run(s) at a time" in result["device"]
    assert "| MNIST→USPS | CDLM (shipped preset) | 0 |" in (out / "uda_refinement.md").read_text()
    assert 0 < (out / "uda_refinement.png").stat().st_size < 300_000

    again = subprocess.run([*refine, "--report-only"], capture_output=True, text=True,
                           timeout=300, env=env, check=False)
    assert again.returncode == 0 and "done in" not in again.stdout
    assert json.loads((out / "uda_refinement.json").read_text())["runs"] == [run]
    nothing = subprocess.run([*refine[:-4], "--runs-dir", str(tmp_path / "none"), "--report-only"],
                             capture_output=True, text=True, timeout=300, env=env, check=False)
    assert nothing.returncode == 1 and "no finished refinements" in nothing.stderr
