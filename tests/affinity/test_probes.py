import numpy as np
import pytest

from cyclekit.affinity.probes import probe_accuracy, probe_r2, probe_r2_cv
from cyclekit.errors import ConfigError, DataError


def _data(seed, informative):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, 600)
    features = rng.normal(size=(600, 4))
    if informative:
        features[:, 0] += 8 * labels
    return features, labels


@pytest.mark.parametrize("kind", ["linear", "mlp", "knn"])
def test_class_probe_reads_informative_features_and_not_noise(kind):
    train, test = _data(0, True), _data(1, True)
    assert probe_accuracy(*train, *test, kind=kind) > 0.9
    train, test = _data(0, False), _data(1, False)
    assert probe_accuracy(*train, *test, kind=kind) < 0.45


def test_regression_probe_r2():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(500, 3))
    target = 2 * features[:, 1] - features[:, 2]
    r2 = probe_r2(features[:400], target[:400], features[400:], target[400:])
    assert r2 == pytest.approx(1.0)
    noise = rng.normal(size=500)
    assert probe_r2(features[:400], noise[:400], features[400:], noise[400:]) < 0.05
    assert probe_r2(features[:400], target[:400], features[400:], target[400:], kind="mlp") > 0.9


def test_cross_validated_r2():
    rng = np.random.default_rng(2)
    features = rng.normal(size=(100, 2))
    assert probe_r2_cv(features, features[:, 0] + 0.5 * features[:, 1]) == pytest.approx(1.0)
    assert probe_r2_cv(features, rng.normal(size=100)) < 0.1
    with pytest.raises(DataError, match="too few"):
        probe_r2_cv(features[:6], features[:6, 0])


def test_bad_probe_requests_raise():
    with pytest.raises(ConfigError, match="unknown probe"):
        probe_r2(np.zeros((4, 2)), np.zeros(4), np.zeros((4, 2)), np.zeros(4), kind="svm")
    with pytest.raises(DataError, match="features"):
        probe_accuracy(np.zeros(4), np.zeros(4), np.zeros((4, 2)), np.zeros(4))


def test_knn_probe_reads_a_tangled_code_that_a_linear_probe_misses():
    rng = np.random.default_rng(0)
    angle = rng.uniform(0, 2 * np.pi, 1200)
    labels = (angle // (2 * np.pi / 9)).astype(int) % 3  # nine sectors, labels 0 1 2 0 1 2 ...
    features = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    train, test = (features[:600], labels[:600]), (features[600:], labels[600:])
    assert probe_accuracy(*train, *test, kind="knn") > 0.9
    assert probe_accuracy(*train, *test, kind="linear") < 0.6
