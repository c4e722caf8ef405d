"""Shared by the table benchmarks: where preset runs live, which are stale, collect, summarise.

A run lives in ``<runs_dir>/<group>/<row>/seed<k>``. It is trained by ``cyclekit train`` in a
subprocess (``benchmarks.launch.run_preset``); a finished run (``metrics.json`` present) is not
run again and a stopped one is resumed, so a table can be built over several sessions or
machines.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import torch

from benchmarks.launch import WALL_TIME
from benchmarks.results_table import cpu_cores


def run_dir(runs_dir: Path, group: str, row: str, seed: int) -> Path:
    return runs_dir / group / row / f"seed{seed}"


def matches_preset(preset: Path, seed: int, config: dict, overrides: list[str]) -> bool:
    """Is ``config`` (a run's saved config) what ``preset`` gives now with these overrides and
    this seed, wherever its data and device were? The saved config is read through today's
    config classes first, so a field added since then counts at its default (new fields
    default to the behaviour runs had before they existed)."""
    from cyclekit.config import build_config, load_config
    from cyclekit.errors import ConfigError

    try:
        expected = load_config(preset, [f"seed={seed}", *overrides]).to_dict()
        saved = build_config(config).to_dict()
    except (ConfigError, OSError):
        return False
    return _without_location(saved) == _without_location(expected)


def stale_run(preset: Path, out: Path, seed: int, overrides: list[str]) -> bool:
    """Was the run folder ``out`` trained from another version of ``preset`` (or with other
    overrides)? A folder without a saved config is not stale."""
    import yaml

    saved = out / "config.yaml"
    return saved.is_file() and not matches_preset(preset, seed, yaml.safe_load(saved.read_text()),
                                                  overrides)


def _without_location(config: dict) -> dict:
    """A config without where it ran: the data folder, the accelerator and device count."""
    data = {k: v for k, v in (config.get("data") or {}).items() if k != "data_dir"}
    train = {k: v for k, v in (config.get("train") or {}).items()
             if k not in ("accelerator", "devices")}
    return {**config, "data": data, "train": train}


def experiment_key(config: dict) -> str:
    """A saved config read through today's config classes, without where it ran: two runs of
    the same experiment on different machines or devices have the same key."""
    from cyclekit.config import build_config

    return json.dumps(_without_location(build_config(config).to_dict()), sort_keys=True)


def read_run(out: Path) -> dict | None:
    """A finished run's config, flat test/train/eval metrics and wall time; None if unfinished."""
    import yaml

    if not (out / "metrics.json").is_file():
        return None
    metrics = json.loads((out / "metrics.json").read_text())
    config = yaml.safe_load((out / "config.yaml").read_text())
    wall = out / WALL_TIME
    return {"method": config["method"], "strategy": config["strategy"]["name"], "config": config,
            "checkpoint_rule": metrics.get("eval/checkpoint_rule"),
            "run_wall_time_s": float(wall.read_text()) if wall.is_file() else None,
            "metrics": {k.removeprefix("test/"): v for k, v in metrics.items()
                        if isinstance(v, (int, float)) and k.startswith(("test/", "train/", "eval/"))}}


def summarize(runs: list[dict], group_key: str) -> dict:
    """``{group: {row: {seeds, method, strategy, run_wall_time_s, metrics: {key: stats}}}}``."""
    grouped: dict = {}
    for run in runs:
        grouped.setdefault(run[group_key], {}).setdefault(run["row"], []).append(run)
    for rows in grouped.values():
        for row, chosen in rows.items():
            keys = sorted({key for run in chosen for key in run["metrics"]})
            stats = {}
            for key in keys:
                values = [run["metrics"][key] for run in chosen if key in run["metrics"]]
                stats[key] = {"mean": statistics.fmean(values), "median": statistics.median(values),
                              "std": statistics.stdev(values) if len(values) > 1 else 0.0,
                              "n": len(values)}
            walls = [run["run_wall_time_s"] for run in chosen if run["run_wall_time_s"]]
            rows[row] = {"seeds": sorted(run["seed"] for run in chosen),
                         "method": chosen[0]["method"], "strategy": chosen[0]["strategy"],
                         "run_wall_time_s": statistics.fmean(walls) if walls else None,
                         "metrics": stats}
    return grouped


def describe_device(overrides: list[str], parallel: int) -> str:
    """Where the runs trained: the accelerator named in the overrides (CPU by default; a CPU
    with the vector instructions PyTorch dispatches to, e.g. AVX2 or AVX512)."""
    accelerator = next((item.split("=", 1)[1] for item in overrides
                        if item.startswith("train.accelerator=")), "cpu")
    if accelerator in ("cuda", "gpu") and torch.cuda.is_available():
        where = f"cuda ({torch.cuda.get_device_name(0)})"
    else:
        where = cpu_cores()
    threads = next((item.split("=", 1)[1] for item in overrides
                    if item.startswith("train.num_threads=")), "1")
    per_run = "one thread" if threads == "1" else f"{threads} threads"
    return f"{where}, {per_run} per run, {parallel} run(s) at a time"
