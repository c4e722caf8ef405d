"""``cyclekit demo``: a result line per method as it finishes, and a second run that reuses
finished runs and resumes interrupted ones (tiny settings: seconds a run)."""

import copy
import subprocess
import sys

import pytest

import cyclekit.demo
from cyclekit.errors import CyclekitError
from tests.conftest import TINY


def _overrides(settings: dict = TINY) -> list[str]:
    return [f"{section}.{key}={value}" for section, values in settings.items()
            for key, value in values.items()]


def _demo(out, *extra: str):
    sets = [part for item in _overrides() for part in ("--set", item)]
    return subprocess.run([sys.executable, "-m", "cyclekit.cli", "demo", "--out", str(out),
                           "--no-progress", *sets, *extra], capture_output=True, check=False,
                          text=True, timeout=300)


@pytest.fixture(autouse=True)
def _fresh_demo_settings(monkeypatch):
    monkeypatch.setattr(cyclekit.demo, "DEMO_SETTINGS", copy.deepcopy(cyclekit.demo.DEMO_SETTINGS))


def test_each_result_is_printed_when_its_method_finishes(tmp_path, monkeypatch, capsys):
    printed = []
    real_train = cyclekit.demo.train

    def train(config, run_dir, **kwargs):
        printed.append(capsys.readouterr().out)  # what was on stdout when this method began
        return real_train(config, run_dir, **kwargs)

    monkeypatch.setattr(cyclekit.demo, "train", train)
    results = cyclekit.demo.run_demo(["cyclegn", "cyclegan"], tmp_path, _overrides(),
                                     progress=False)
    printed.append(capsys.readouterr().out)
    assert "'training judge' progress bar" in printed[0]  # said before the first bar shows
    assert "cyclegn" not in printed[0]
    line = next(line for line in printed[1].splitlines() if line.startswith("[1/2] cyclegn"))
    metrics = results["cyclegn"]
    assert line.startswith("[1/2] cyclegn done in ")
    assert (f"digits -> digits_m {metrics['test/acc_x2y']:.3f} "
            f"(ceiling {metrics['test/judge_acc_digits_m']:.3f})") in line
    assert f"(ceiling {metrics['test/judge_acc_digits']:.3f})" in line
    assert line.endswith(f"report: {tmp_path / 'cyclegn' / 'report.html'}")
    assert "[2/2] cyclegan done in " in printed[2]


def test_a_second_run_reuses_finished_runs_and_resumes_interrupted_ones(tmp_path):
    out = tmp_path / "demo"
    first = _demo(out, "--methods", "cyclegn")
    assert first.returncode == 0, first.stderr
    assert "[1/1] cyclegn done in " in first.stdout
    metrics_file = out / "cyclegn" / "metrics.json"
    finished = metrics_file.read_text()
    checkpoints = sorted(path.name for path in (out / "cyclegn" / "checkpoints").iterdir())

    again = _demo(out, "--methods", "cyclegn")  # same --out: nothing is trained again
    assert again.returncode == 0, again.stderr
    assert "--resume" not in again.stdout + again.stderr
    assert "with the same settings: not trained again" in again.stdout
    assert "[1/1] cyclegn finished earlier, reused: translation accuracy" in again.stdout
    assert metrics_file.read_text() == finished
    assert sorted(path.name for path in (out / "cyclegn" / "checkpoints").iterdir()) == checkpoints

    metrics_file.unlink()  # as if stopped after its last checkpoint, before the evaluation
    resumed = _demo(out, "--methods", "cyclegn")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming the interrupted run" in resumed.stdout
    assert "[1/1] cyclegn done in " in resumed.stdout
    assert metrics_file.is_file()


def test_a_run_of_other_networks_in_the_folder_is_refused_by_name(tmp_path):
    cyclekit.demo.run_demo(["cyclegn"], tmp_path, _overrides(), progress=False)
    with pytest.raises(CyclekitError, match=r"other settings \(model.generator_blocks: 1 -> 2\)"):
        cyclekit.demo.run_demo(["cyclegn"], tmp_path, [*_overrides(), "model.generator_blocks=2"],
                               progress=False)
