"""benchmarks/uda_confusions.py: per-class recall, the largest confusions and the report."""

from __future__ import annotations

import numpy as np

from benchmarks import uda_confusions

MATRIX = np.array([[8, 2, 0],
                   [0, 5, 5],
                   [1, 0, 9]])


def test_summary_has_recall_per_class_and_the_largest_off_diagonal_cells_first():
    found = uda_confusions.summarize_matrix(MATRIX)
    assert found["accuracy"] == 22 / 30
    assert found["recall"] == [0.8, 0.5, 0.9]
    assert found["confusions"] == [
        {"true": 1, "predicted": 2, "images": 5, "share": 0.5},
        {"true": 0, "predicted": 1, "images": 2, "share": 0.2},
        {"true": 2, "predicted": 0, "images": 1, "share": 0.1}]
    assert uda_confusions.largest_confusions(np.eye(3, dtype=int)) == []


def test_report_names_fashion_classes_and_the_weakest_class():
    run = {"task": "fashion_fashionm", "row": "cdlm", "seed": 2,
           **uda_confusions.summarize_matrix(MATRIX)}
    result = {"date": "today", "classifier": "C(x~_ts)", "split": "target test split",
              "checkpoint_rule": "last", "device": "cpu", "torch": "2", "runs": [run]}
    table = uda_confusions.markdown(result)
    assert ("| fashion_fashionm | cdlm | 2 | 0.733 | trouser 0.50 | trouser → pullover 5 (0.50); "
            "T-shirt → trouser 2 (0.20); pullover → T-shirt 1 (0.10) |") in table


def test_a_new_measure_replaces_only_its_own_runs_and_keeps_the_order():
    earlier = [{"task": "usps_mnist", "row": "dann", "seed": 0, "accuracy": 0.8, "measured": None},
               {"task": "mnist_usps", "row": "cdlm", "seed": 1, "accuracy": 0.9, "measured": None},
               {"task": "mnist_usps", "row": "dann", "seed": 1, "accuracy": 0.7}]
    measured = [{"task": "mnist_usps", "row": "dann", "seed": 1, "measured": "today",
                 "accuracy": 0.75}]
    merged = uda_confusions.merge_runs(earlier, measured)
    assert [(run["task"], run["row"], run["seed"], run["accuracy"], run["measured"])
            for run in merged] == [("mnist_usps", "cdlm", 1, 0.9, None),
                                   ("mnist_usps", "dann", 1, 0.75, "today"),
                                   ("usps_mnist", "dann", 0, 0.8, None)]
