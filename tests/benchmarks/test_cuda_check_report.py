"""benchmarks/cuda_check_report.py on a hand-made device folder: runs stopped by SIGTERM are
told apart, CPU runs of the same experiment are found in uda.json, fps are read from the logs."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from cyclekit.config import build_config, save_config
from tests.benchmarks.studies import run_study
from tests.conftest import TINY_UDA


def _device_run(folder: Path, config, steps: int, log: str) -> None:
    save_config(config, folder / "config.yaml")
    (folder / "metrics.json").write_text(json.dumps({
        "test/target_acc": 0.5, "test/source_acc": 0.9, "test/a_distance_raw": 1.0,
        "train/steps": float(steps), "train/wall_time_s": 12.0}))
    Path(f"{folder}.log").write_text(log)


def test_report(tmp_path):
    runs, out = tmp_path / "runs", tmp_path / "out"
    base = {"method": "cdlm", **copy.deepcopy(TINY_UDA["cdlm"])}
    gpu = copy.deepcopy(base)
    gpu["train"]["accelerator"] = "cuda"
    _device_run(runs / "finished", build_config(gpu), 6, "rc=0 wall=20\n")
    longer = copy.deepcopy(gpu)
    longer["train"]["steps"] = 60
    _device_run(runs / "stopped", build_config(longer), 31,
                "cyclekit: stopped by SIGTERM after step 31; checkpoint saved\nrc=124 wall=40\n")
    (runs / "gpu.txt").write_text("name, memory.total [MiB], driver_version\n"
                                  "NVIDIA H200, 143771 MiB, 580.1\n2.11.0+cu130 NVIDIA H200\n16\n")
    (runs / "pytest.txt").write_text("..s.F.                     [100%]\npytest rc=1\n")
    for device, fps in (("cuda", 300.0), ("cpu", 150.0)):
        (runs / f"track_run_{device}.log").write_text(
            f"A: 9 frames\ncycletrack_em: {fps} fps over 2 sequences (decoding excluded; "
            f"{fps - 20} fps with it); boxes in x\n")
    out.mkdir()
    cpu_config = build_config(base).to_dict()
    (out / "uda.json").write_text(json.dumps({"runs": [
        {"config": cpu_config, "metrics": {"target_acc": 0.55}, "run_wall_time_s": 99.0,
         "device": "cpu (x86_64, 2 cores)"}]}))

    done = run_study("cuda_check_report", runs, "--out", out, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads((out / "cuda_check.json").read_text())
    assert result["device"] == "NVIDIA H200 (143771 MiB, driver 580.1), torch 2.11.0+cu130, 16 CPU cores"
    assert {k: result["device_tests"][k] for k in ("passed", "failed", "skipped", "exit_code")} == {
        "passed": 4, "failed": 1, "skipped": 1, "exit_code": 1}
    by_name = {run["name"]: run for run in result["runs"]}
    assert not by_name["finished"]["stopped_by_sigterm"]
    assert by_name["stopped"]["stopped_by_sigterm"] and by_name["stopped"]["steps_reached"] == 31
    assert by_name["finished"]["cpu_same_config"]["target_acc"] == 0.55
    assert "cpu_same_config" not in by_name["stopped"]  # another budget
    assert result["tracking_fps"]["cuda"]["fps"] == 300.0
    table = (out / "cuda_check.md").read_text()
    assert "| stopped | cdlm | digits → digits_m | 0 | 31 / 60 | SIGTERM | 12 |" in table
    assert "target_acc 0.550 in 99 s" in table and "(2.00×)" in table
