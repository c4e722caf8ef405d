"""The command line, through a real subprocess."""

import json
import subprocess
import sys

import yaml


def _run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "cyclekit.cli", *args], capture_output=True,
                          check=False, text=True, timeout=300, cwd=cwd)


def test_train_eval_and_list(tmp_path, tiny_settings):
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump({"method": "cyclegan", **tiny_settings}))
    result = _run("train", str(config), "--out", str(tmp_path / "run"), "--no-progress",
                  "--set", "strategy.name=em", "--data-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    saved = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert saved["strategy"]["name"] == "em" and saved["train"]["steps"] == 6
    assert saved["data"]["data_dir"] == str(tmp_path)  # --data-dir is data.data_dir
    again = _run("eval", str(tmp_path / "run"), "--data-dir", str(tmp_path), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    reevaluated = json.loads(again.stdout)
    assert {k: v for k, v in reevaluated.items() if k.startswith("test/")} == \
           {k: v for k, v in printed.items() if k.startswith("test/")}
    assert _run("--version", cwd=tmp_path).stdout.startswith("cyclekit 0.")
    listing = _run("list", cwd=tmp_path)
    assert "method cyclegan: strategies joint, em" in listing.stdout
    assert "digits_m" in listing.stdout


def test_demo_runs_end_to_end(tmp_path):
    result = _run("demo", "--methods", "cyclegn", "--out", str(tmp_path / "demo"), "--no-progress",
                  "--set", "train.steps=4", "--set", "data.image_size=16",
                  "--set", "data.limit_train=160", "--set", "data.limit_test=32",
                  "--set", "data.val_size=16", "--set", "eval.judge_epochs=1",
                  "--set", "model.generator_channels=8", "--set", "model.generator_blocks=1",
                  cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "[1/1] cyclegn done in" in result.stdout and "(ceiling" in result.stdout
    assert (tmp_path / "demo" / "cyclegn" / "report.html").is_file()


def test_bad_input_is_one_line_without_traceback(tmp_path):
    cases = [
        ("train", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "r")),
        ("train", str(tmp_path / "bad.yaml"), "--out", str(tmp_path / "r")),
        ("eval", str(tmp_path)),
        ("demo", "--set", "train.stepz=3", "--out", str(tmp_path / "d")),
        ("demo", "--set", "data.x=mnist", "--set", "data.data_dir=" + str(tmp_path), "--out", str(tmp_path / "d2")),
    ]
    (tmp_path / "bad.yaml").write_text("method: cyclegan\ntrain: {steps: -1}\n")
    for args in cases:
        result = _run(*args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("cyclekit: error: "), (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_ctrl_c_checkpoints_cleanly_and_resume_continues(tmp_path, tiny_settings):
    import signal
    import time

    settings = {**tiny_settings, "train": {**tiny_settings["train"], "steps": 100_000,
                                           "checkpoint_every": 100_000}}
    config = tmp_path / "long.yaml"
    config.write_text(yaml.safe_dump({"method": "cyclegn", **settings}))
    run = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "cyclekit.cli", "train", str(config),
                                "--out", str(run), "--no-progress"], cwd=tmp_path,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not ((run / "metrics.jsonl").is_file() and (run / "metrics.jsonl").read_text()):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    message = stderr.strip().splitlines()[-1]
    assert message.startswith("cyclekit: stopped by SIGINT after step ")
    step = int(message.split("after step ")[1].split(";")[0])
    assert (run / "checkpoints" / f"step_{step:07d}" / "weights.safetensors").is_file()
    resumed = _run("train", str(config), "--out", str(run), "--resume", "--no-progress",
                   "--set", f"train.steps={step + 2}", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["train/steps"] == step + 2
    assert yaml.safe_load((run / "config.yaml").read_text())["train"]["steps"] == step + 2
