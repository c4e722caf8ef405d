import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from cyclekit.errors import ConfigError
from cyclekit.viz.grid import save_image_grid
from cyclekit.viz.report import headline_rows, write_report

CHROMIUM = Path("/usr/bin/chromium")

CONFIG = {
    "method": "cyclegan",
    "strategy": {"name": "em", "inner_steps": 100},
    "data": {"x": "mnist", "y": "svhn", "image_size": 32},
    "model": {"generator": "resnet"},
    "train": {"steps": 30, "note": "<script>alert(1)</script>"},
    "eval": {"judge": True},
    "seed": 0,
}


@pytest.fixture
def run_dir(tmp_path):
    run = tmp_path / "run & co"
    (run / "samples").mkdir(parents=True)
    (run / "config.yaml").write_text(yaml.safe_dump(CONFIG))
    (run / "metrics.json").write_text(json.dumps({
        "acc/x_to_y": 0.91234, "fid<x>": 12.5, "status": "done", "test/acc_x2y": 0.625,
        "test/judge_acc_svhn": 0.9375, "test/cycle_l1_x": 0.25, "train/wall_time_s": 12.0}))
    lines = [
        {"step": 0, "loss/cycle_x": 1.0, "loss/cycle_y": 1.2, "loss/gan_x": 0.007},
        {"event": "em_switch", "step": 10, "phase": "M", "inner_steps": 10, "reason": "plateau <5%"},
        {"step": 10, "loss/cycle_x": 0.6, "loss/cycle_y": 0.9, "lr": 2e-4, "phase": "E"},
        {"step": 20, "loss/cycle_x": 0.4, "loss/cycle_y": 0.5, "lr": 1e-4},
    ]
    (run / "metrics.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + '\n{"step": 30, "loss/cy')
    torch.manual_seed(0)
    for name in ("step_020.png", "step_010.png"):
        save_image_grid([torch.rand(4, 3, 32, 32) * 2 - 1, torch.rand(4, 1, 32, 32) * 2 - 1], run / "samples" / name)
    return run


def test_report_contents(run_dir):
    path = write_report(run_dir)
    assert path == run_dir / "report.html"
    html = path.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "<title>cyclegan \u00b7 em \u00b7 mnist \u2194 svhn</title>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "fid&lt;x&gt;" in html and "0.9123" in html and "done" in html
    assert '<img src="curves.png"' in html and (run_dir / "curves.png").exists()
    assert html.index('src="samples/step_010.png"') < html.index('src="samples/step_020.png"')
    assert "plateau &lt;5%" in html and "<th>inner_steps</th>" in html
    assert "Skipped 1 unreadable line" in html
    assert "inner_steps: 100" in html  # the full config


def test_report_opens_with_the_headline_then_how_the_run_was_made(run_dir):
    html = write_report(run_dir).read_text()
    body = html[html.index("<body>"):]
    assert body.index('id="headline"') < body.index("<h2>Run</h2>") < body.index("Final metrics")
    headline = body[body.index('id="headline"'):body.index("<h2>Run</h2>")]
    # value, ceiling (the judge on real target images) and unit, with the domains named
    assert "translation accuracy mnist \u2192 svhn" in headline and "0.625" in headline
    assert "0.9375 (the judge on real svhn test images)" in headline
    assert "fraction (0\u20131)" in headline and "seconds" in headline
    assert "cycle reconstruction error of mnist" in headline and "0 (perfect)" in headline
    info = body[body.index("<h2>Run</h2>"):body.index("Final metrics")]
    assert re.search(r"run evaluated</td><td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", info)
    assert "report written" in info and "command (that wrote this report)" in info
    assert "git commit</td><td>unknown" in info  # tmp_path is not in a git checkout
    assert re.search(r"cyclekit \S+, torch \S+, python 3\.\d+", info)
    # the loss terms differ by orders of magnitude: that panel is on a log scale, and says so
    assert "On a log scale (their terms differ by orders of magnitude): loss." in body


def test_report_records_the_commit_of_a_git_checkout(run_dir):
    subprocess.run(["git", "init", "-q", str(run_dir)], check=True)
    subprocess.run(["git", "-C", str(run_dir), "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    commit = subprocess.run(["git", "-C", str(run_dir), "rev-parse", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    assert f"git commit</td><td>{commit}</td>" in write_report(run_dir).read_text()


def test_headline_of_an_adaptation_run_names_source_and_target(tmp_path):
    config = {"method": "dann", "data": {"source": "digits", "target": "digits_m"}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    (tmp_path / "metrics.json").write_text(json.dumps({"test/target_acc": 0.5, "test/source_acc": 0.9}))
    html = write_report(tmp_path).read_text()
    assert "<title>dann \u00b7 digits \u2192 digits_m</title>" in html
    assert html.index("accuracy on the target digits_m") < html.index("accuracy on the source digits")
    assert headline_rows(config, {"test/other": 1.5})[0][:3] == ("test/other", "test/other", "1.5")


def test_tensorboard_gets_samples_hyperparameters_and_final_metrics(run_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    (run_dir / "tensorboard").mkdir()
    write_report(run_dir)
    events = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"images": 0})
    events.Reload()
    assert events.Tags()["images"] == ["samples"]
    assert [image.step for image in events.Images("samples")] == [10, 20]
    assert [(s.step, s.value) for s in events.Scalars("test/acc_x2y")] == [(0, 0.625)]
    hparams = events.PluginTagToContent("hparams")
    assert "_hparams_/experiment" in hparams and "_hparams_/session_start_info" in hparams
    assert b"train.steps" in hparams["_hparams_/session_start_info"]  # the flattened config


def test_no_tensorboard_summary_for_a_run_without_tensorboard(run_dir):
    write_report(run_dir)
    assert not (run_dir / "tensorboard").exists()


def test_report_without_optional_files(tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({"method": "cdlm"}))
    html = write_report(tmp_path).read_text()
    assert "<title>cdlm</title>" in html and "No final metrics" in html and "<img" not in html


def test_report_needs_config(tmp_path):
    with pytest.raises(ConfigError, match="config.yaml"):
        write_report(tmp_path)
    (tmp_path / "config.yaml").write_text("method: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        write_report(tmp_path)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_report_renders_in_headless_chromium(run_dir, tmp_path):
    report = write_report(run_dir)
    screenshot = tmp_path / "screenshot.png"
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={screenshot}", "--window-size=1200,1600", report.resolve().as_uri(),
    ]
    try:
        subprocess.run(command, capture_output=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        pytest.skip("chromium did not finish within 60 s")
    finally:
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)
    assert screenshot.exists()
    pixels = np.asarray(Image.open(screenshot).convert("L"), dtype=np.float32)
    assert pixels.shape == (1600, 1200)
    assert pixels.std() > 10  # not blank
    assert (pixels < 100).mean() > 0.005  # dark text and images are drawn
