import json
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
from cyclekit.viz.report import write_report

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
    (run / "metrics.json").write_text(json.dumps({"acc/x_to_y": 0.91234, "fid<x>": 12.5, "status": "done"}))
    lines = [
        {"step": 0, "loss/cycle_x": 1.0, "loss/cycle_y": 1.2, "loss/gan_x": 0.7},
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
