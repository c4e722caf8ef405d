import math

import numpy as np
import pytest

from cyclekit.affinity.mutual_information import (
    default_bins_per_axis,
    factor_entropy,
    mutual_information,
    mutual_information_per_factor,
)
from cyclekit.errors import DataError


def test_embedding_that_is_a_function_of_the_factor_carries_all_of_its_entropy():
    rng = np.random.default_rng(0)
    factor = rng.integers(0, 4, 4000)
    centres = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], dtype=float)
    embedding = centres[factor] + rng.normal(0, 0.2, (4000, 2))
    assert factor_entropy(factor) == pytest.approx(2.0, abs=0.01)
    assert mutual_information(embedding, factor) == pytest.approx(factor_entropy(factor), abs=1e-9)


def test_independent_embedding_carries_almost_nothing():
    rng = np.random.default_rng(1)
    factor = rng.integers(0, 3, 20000)
    embedding = rng.normal(size=(20000, 2))
    assert 0 <= mutual_information(embedding, factor) < 0.02


def test_a_two_valued_split_on_one_axis_carries_one_bit():
    # Factor = which half of the x range a point lies in: I = H(factor) = 1 bit exactly when
    # the bin edges fall on the split (an even number of bins over a symmetric range).
    x = np.linspace(-1, 1, 1000)
    embedding = np.stack([x, np.zeros_like(x)], 1)
    factor = (x > 0).astype(int)
    assert mutual_information(embedding, factor, bins_per_axis=10) == pytest.approx(1.0)
    values = mutual_information_per_factor(embedding, np.stack([factor, np.zeros_like(factor)], 1),
                                           ("half", "constant"), bins_per_axis=10)
    assert values == pytest.approx({"half": 1.0, "constant": 0.0})


def test_about_sqrt_n_bins_in_all():
    assert default_bins_per_axis(480_000, 2) == 26  # 26^2 = 676 ~ sqrt(480000) = 693
    assert default_bins_per_axis(46_080, 2) ** 2 == pytest.approx(math.sqrt(46_080), rel=0.1)


def test_bad_inputs_raise():
    with pytest.raises(DataError, match="non-finite"):
        mutual_information(np.array([[0.0, np.nan], [1.0, 1.0]]), np.array([0, 1]))
    with pytest.raises(DataError, match="need an embedding"):
        mutual_information(np.zeros((3, 2)), np.zeros(4))
