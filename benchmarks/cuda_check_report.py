"""Report of ``benchmarks/cuda_check.sh``: what ran on the lent GPU, and how it compares.

    python -m benchmarks cuda_check_report RUNS_DIR [--out benchmarks/results]

RUNS_DIR is the unpacked ``runs.tgz`` of the device script (its run folders, logs,
``gpu.txt`` and ``pytest.txt``). Writes ``cuda_check.json`` and ``cuda_check.md``: the device,
the device tests' outcome, every CUDA training run (preset, overrides, steps reached, whether
SIGTERM stopped it, wall time, its test metrics) beside the CPU run of the same preset and seed
from ``uda.json`` where there is one, and one-pass tracking fps on cuda against one CPU thread
of the same machine.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from benchmarks.arguments import RESULTS, study_parser
from benchmarks.preset_runs import experiment_key
from benchmarks.results_table import stamp, write_result

SHOWN = ("target_acc", "target_acc_feature", "source_acc", "mi/scale", "mi/shape", "mi/pos_x",
         "mi/pos_y", "mi/orientation", "auc", "synthetic_auc")


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("runs_dir", type=Path)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    cpu_runs = _cpu_uda_runs(args.out / "uda.json")
    runs = [_run(folder, cpu_runs) for folder in sorted(args.runs_dir.iterdir())
            if (folder / "config.yaml").is_file()]
    result = {
        **stamp("cuda_check"),
        "device": _device(args.runs_dir / "gpu.txt"),
        "script": "benchmarks/cuda_check.sh", "checkpoint_rule": "last (the step reached)",
        "split": "test",
        "device_tests": {"files": ["tests/core/test_inference_device.py", "tests/test_predict.py",
                                   "tests/test_translate.py",
                                   "tests/track/test_track_cycletrack.py"],
                         **_pytest_outcome(args.runs_dir / "pytest.txt")},
        "runs": runs,
        "tracking_fps": {device: _fps(args.runs_dir / f"track_run_{device}.log")
                         for device in ("cuda", "cpu")},
    }
    write_result(args.out, "cuda_check", result, _markdown(result))


def _device(gpu_txt: Path) -> str:
    """``nvidia-smi`` CSV (header, one row), torch's version and device name, CPU count."""
    lines = gpu_txt.read_text().strip().splitlines()
    name, memory, driver = (part.strip() for part in lines[1].split(","))
    return (f"{name} ({memory}, driver {driver}), torch {lines[2].split()[0]}, "
            f"{lines[3].strip()} CPU cores")


def _pytest_outcome(pytest_txt: Path) -> dict:
    """Counts from pytest's progress characters (the suite runs with -q -q) and its exit code."""
    text = pytest_txt.read_text()
    progress = "".join(line.split("[")[0] for line in text.splitlines()
                       if re.fullmatch(r"[.FEsx]+\s*(\[\s*\d+%\])?", line.strip()))
    return {"passed": progress.count("."), "failed": progress.count("F") + progress.count("E"),
            "skipped": progress.count("s"),
            "exit_code": int(re.search(r"pytest rc=(\d+)", text)[1])}


def _cpu_uda_runs(path: Path) -> dict:
    if not path.is_file():
        return {}
    return {experiment_key(run["config"]): run for run in json.loads(path.read_text())["runs"]}


def _run(folder: Path, cpu_runs: dict) -> dict:
    config = yaml.safe_load((folder / "config.yaml").read_text())
    metrics = json.loads((folder / "metrics.json").read_text())
    log = Path(f"{folder}.log").read_text()
    stopped = re.search(r"stopped by SIGTERM after step (\d+)", log)
    data = config["data"]
    entry = {
        "name": folder.name, "method": config["method"], "strategy": config["strategy"]["name"],
        "data": {k: data[k] for k in ("source", "target", "dataset", "backgrounds",
                                      "eval_sequences") if data.get(k)},
        "seed": config["seed"], "configured_steps": config["train"]["steps"],
        "steps_reached": int(metrics["train/steps"]), "stopped_by_sigterm": bool(stopped),
        "train_wall_time_s": metrics["train/wall_time_s"],
        "metrics": {k.removeprefix("test/"): v for k, v in metrics.items()
                    if k.removeprefix("test/") in SHOWN},
    }
    cpu = cpu_runs.get(experiment_key(config))
    if cpu is not None:
        entry["cpu_same_config"] = {"target_acc": cpu["metrics"]["target_acc"],
                                             "run_wall_time_s": cpu["run_wall_time_s"],
                                             "device": cpu["device"]}
    return entry


def _fps(log: Path) -> dict | None:
    if not log.is_file():
        return None
    found = re.search(r"([\d.]+) fps over (\d+) sequences \(decoding excluded; ([\d.]+) fps",
                      log.read_text())
    return {"fps": float(found[1]), "sequences": int(found[2]),
            "fps_with_decoding": float(found[3])} if found else None


def _markdown(result: dict) -> str:
    tests = result["device_tests"]
    lines = [f"# CUDA check ({result['date']})", "",
             (f"Device: {result['device']}. Script: `{result['script']}`; every run "
             f"trained with `train.accelerator=cuda`, one thread, all at once on the one GPU; "
             f"checkpoint rule: {result['checkpoint_rule']}; metrics on the test split."), "",
             (f"Device tests ({', '.join(result['device_tests']['files'])}): "
             f"{tests['passed']} passed, {tests['failed']} failed, {tests['skipped']} skipped "
             f"(exit code {tests['exit_code']}); on a GPU they compare `--device cuda` with the "
             f"CPU's output."), "",
             ("| run | method | data | seed | steps reached / configured | stopped | train s | "
             "test metrics | CPU, same config |"), "|---|---|---|---|---|---|---|---|---|"]
    for run in result["runs"]:
        data = " → ".join(str(v) for k, v in run["data"].items() if k != "eval_sequences")
        shown = ", ".join(f"{k} {v:.3f}" for k, v in run["metrics"].items())
        cpu = run.get("cpu_same_config")
        cpu_cell = (f"target_acc {cpu['target_acc']:.3f} in {cpu['run_wall_time_s']:.0f} s"
                    if cpu else "–")
        lines.append(f"| {run['name']} | {run['method']} | {data} | {run['seed']} | "
                     f"{run['steps_reached']} / {run['configured_steps']} | "
                     f"{'SIGTERM' if run['stopped_by_sigterm'] else 'finished'} | "
                     f"{run['train_wall_time_s']:.0f} | {shown} | {cpu_cell} |")
    fps = result["tracking_fps"]
    if fps.get("cuda") and fps.get("cpu"):
        lines += ["", (f"One-pass tracking with the `track_em` run on the same machine "
                      f"({fps['cuda']['sequences']} sequences, decoding excluded): "
                      f"{fps['cuda']['fps']:.1f} fps on cuda, {fps['cpu']['fps']:.1f} fps on one "
                      f"CPU thread ({fps['cuda']['fps'] / fps['cpu']['fps']:.2f}×).")]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
