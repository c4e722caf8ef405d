"""benchmarks/uda_augmentation_figure.py: the ink-height measurement, and one run on
scikit-learn digits that writes its JSON and figure."""

from __future__ import annotations

import json
import subprocess

import torch

from benchmarks.uda_augmentation_figure import ink_heights
from tests.benchmarks.studies import study_command, study_env


def test_ink_height_spans_the_first_to_the_last_row_with_ink():
    images = -torch.ones(3, 1, 12, 12)
    images[0, 0, 2:9, 5] = 1  # 7 rows
    images[1, 0, 4, 1:6] = 0.5  # one row
    images[1, 0, 10, 0] = -0.5  # not ink (below mid-grey)
    assert ink_heights(images).tolist() == [7.0, 1.0, 0.0]


def test_the_script_writes_its_record_and_figure(tmp_path):
    subprocess.run([*study_command("uda_augmentation_figure"),
                    "--tasks", "mnist_usps", "--set", "data.source=digits",
                    "--set", "data.target=digits_m", "--set", "data.image_size=16",
                    "--out", str(tmp_path)], check=True, capture_output=True,
                   env=study_env())
    record = json.loads((tmp_path / "augmentation.json").read_text())["tasks"][0]
    assert record["source"] == "digits" and record["images"]["source"] > 100
    assert record["augmentation"]["augment_scale"] == 1.4
    assert record["target_over_source_height"] > 0
    assert (tmp_path / "augmentation.png").stat().st_size > 1000
