import numpy as np
import pytest
from scipy.stats import norm

from cyclekit.adaptation.deep_embedded_validation import (
    density_ratio,
    dev_risk,
    effective_sample_size,
)
from cyclekit.errors import DataError

SHIFT, THRESHOLD = 1.0, 1.0


def shifted_gaussians(seed: int, count: int = 2000):
    """Source features N(0, 1), target N(SHIFT, 1), fresh source validation features, and a
    classifier that errs exactly where f > THRESHOLD."""
    rng = np.random.default_rng(seed)
    source = rng.normal(size=(count, 1))
    target = rng.normal(size=(count, 1)) + SHIFT
    validation = rng.normal(size=(count, 1))
    losses = (validation[:, 0] > THRESHOLD).astype(float)
    return source, target, validation, losses


def test_dev_recovers_the_target_risk_that_the_source_risk_misses():
    source, target, validation, losses = shifted_gaussians(seed=0)
    found = density_ratio(source, target, validation)
    target_risk = norm.sf(THRESHOLD - SHIFT)  # 0.5
    assert losses.mean() == pytest.approx(norm.sf(THRESHOLD), abs=0.02)  # 0.159
    assert dev_risk(found["weights"], losses) == pytest.approx(target_risk, abs=0.06)
    assert 0.6 < found["domain_accuracy"] < 0.75  # Bayes accuracy of N(0,1) vs N(1,1): 0.69


def test_density_ratio_follows_the_true_ratio():
    source, target, validation, _ = shifted_gaussians(seed=1)
    weights = density_ratio(source, target, validation)["weights"]
    true = np.exp(SHIFT * validation[:, 0] - SHIFT**2 / 2)  # N(1,1) / N(0,1)
    inside = np.abs(validation[:, 0]) < 2.0
    assert np.median(np.abs(np.log(weights[inside] / true[inside]))) < 0.2


def test_indistinguishable_domains_give_weights_near_one():
    rng = np.random.default_rng(2)
    found = density_ratio(rng.normal(size=(1500, 3)), rng.normal(size=(1500, 3)),
                          rng.normal(size=(500, 3)))
    assert abs(found["domain_accuracy"] - 0.5) < 0.06
    assert np.median(np.abs(np.log(found["weights"]))) < 0.2


def test_a_constant_loss_is_its_own_risk_whatever_the_weights():
    weights = np.random.default_rng(3).lognormal(sigma=1.0, size=500)
    assert dev_risk(weights, np.full(500, 0.25)) == pytest.approx(0.25, abs=1e-12)


def test_equal_weights_give_the_mean_loss():
    losses = np.random.default_rng(4).random(100)
    assert dev_risk(np.ones(100), losses) == pytest.approx(losses.mean())


def test_effective_sample_size():
    assert effective_sample_size(np.ones(40)) == pytest.approx(40.0)
    assert effective_sample_size(np.r_[1.0, np.zeros(9)]) == pytest.approx(1.0)


def test_bad_input_is_refused_in_one_line():
    with pytest.raises(DataError, match="one weight per loss"):
        dev_risk(np.ones(5), np.ones(4))
    with pytest.raises(DataError, match="at least 10 target samples"):
        density_ratio(np.zeros((50, 2)), np.zeros((3, 2)), np.zeros((20, 2)))
    with pytest.raises(DataError, match="NaN"):
        density_ratio(np.full((50, 2), np.nan), np.zeros((50, 2)), np.zeros((20, 2)))
