"""benchmarks/uda_feature_scale.py: scale against direction, the discriminator's accuracy and
the report."""

from __future__ import annotations

import pytest
import torch

from benchmarks import uda_feature_scale


def _directions(count: int, seed: int) -> torch.Tensor:
    rows = torch.randn(count, 8, generator=torch.Generator().manual_seed(seed))
    return rows / rows.norm(dim=1, keepdim=True)


def test_domains_apart_by_scale_only_are_told_apart_by_norms_not_directions():
    source, target = _directions(400, 0), 3.0 * _directions(400, 1)
    found = uda_feature_scale.feature_scale(source, target)
    assert found["norm_ratio"] == pytest.approx(3.0)
    assert found["a_distance_norm"] == pytest.approx(2.0)
    assert abs(found["a_distance_direction"]) < 0.4
    assert found["domain_variance_share"] < 0.02  # both centred at the origin
    assert "discriminator_accuracy" not in found


def test_domains_apart_by_direction_and_the_discriminator_accuracy_is_balanced():
    source, target = _directions(400, 0), _directions(400, 1)
    source[:, 0], target[:, 0] = source[:, 0].abs() + 0.5, -target[:, 0].abs() - 0.5
    found = uda_feature_scale.feature_scale(source, target, lambda rows: rows[:, 0])
    assert found["a_distance_direction"] == pytest.approx(2.0)
    assert 0.25 < found["domain_variance_share"] < 1
    assert found["discriminator_accuracy"] == 1.0
    found = uda_feature_scale.feature_scale(source, target, lambda rows: torch.ones(len(rows)))
    assert found["discriminator_accuracy"] == 0.5  # "source" for everything: chance


def test_summary_and_table_name_the_feature_layer(tmp_path):
    metrics = dict.fromkeys(uda_feature_scale.KEYS, 0.5)
    runs = [{"variant": "shipped", "seed": seed, "metrics": {**metrics, "dev_acc": acc},
             "norms": None} for seed, acc in ((0, 0.4), (1, 0.6))]
    summary = uda_feature_scale.summary(runs)
    assert summary["shipped"]["dev_acc"] == pytest.approx({"mean": 0.5, "std": 0.1414213,
                                                           "n": 2}, rel=1e-5)
    table = uda_feature_scale.markdown({"date": "today", "runs_dir": "runs", "data": "digits",
                                       "checkpoint_rule": "last", "device": "cpu",
                                       "torch": "2", "summary": summary})
    assert "| ReLU | 2 | 0.500 ± 0.141 | 0.500 ± 0.000 |" in table
