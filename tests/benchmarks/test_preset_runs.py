"""benchmarks/preset_runs.py: which earlier runs still belong to a preset; the device line."""

from __future__ import annotations

from pathlib import Path

import torch
import yaml

from benchmarks.preset_runs import describe_device, matches_preset

PRESET = Path(__file__).resolve().parents[2] / "configs" / "acc_dsprites_augmented.yaml"


def _saved(seed: int = 3) -> dict:
    """The config a run of PRESET saved, read back as plain YAML."""
    from cyclekit.config import load_config

    return yaml.safe_load(yaml.safe_dump(load_config(PRESET, [f"seed={seed}"]).to_dict()))


def test_a_run_matches_its_preset_wherever_its_data_was():
    saved = _saved()
    saved["data"]["data_dir"] = "/elsewhere/data"
    assert matches_preset(PRESET, 3, saved, [])
    assert not matches_preset(PRESET, 4, saved, [])
    assert not matches_preset(PRESET, 3, saved, ["train.steps=10"])


def test_a_field_added_later_counts_at_its_default():
    saved = _saved()
    del saved["model"]["standardise_embedding"]  # a run saved before the field existed
    assert matches_preset(PRESET, 3, saved, [])
    assert not matches_preset(PRESET, 3, saved, ["model.standardise_embedding=true"])


def test_a_changed_value_or_an_unreadable_config_does_not_match():
    saved = _saved()
    saved["model"]["augment_shift"] = 2.0
    assert not matches_preset(PRESET, 3, saved, [])
    saved["model"]["no_such_field"] = 1
    assert not matches_preset(PRESET, 3, saved, [])


def test_the_device_line_names_the_threads_and_runs_at_a_time():
    assert describe_device([], 2).endswith("one thread per run, 2 run(s) at a time")
    assert describe_device(["train.num_threads=2"], 1).endswith("2 threads per run, 1 run(s) at a time")


def test_the_device_line_names_the_cpus_vector_instructions():
    capability = torch.backends.cpu.get_cpu_capability()
    assert f" cores, {capability}), " in describe_device([], 1)
