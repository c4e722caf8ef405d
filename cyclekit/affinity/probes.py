"""Probes of what an embedding encodes (ACC paper, Sec. 4.2 and Appendix B).

A probe is a small scikit-learn model fit on embeddings of one split and scored on another:
``linear`` (standardised logistic / linear regression), ``mlp`` (3 hidden layers of 32 ReLU
units, the classifier of Appendix B; Adam with early stopping on a 10% validation slice) or
``knn`` (the 15 nearest neighbours' vote or mean: it reads any local structure, however
tangled, and in 2-D it is fast enough for every image of a factor grid). Classification
reports accuracy, regression R^2; :func:`probe_r2_cv` scores a regression probe by k-fold
cross-validation within one set.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from cyclekit.errors import ConfigError, DataError

PROBES = ("linear", "mlp", "knn")
MLP_HIDDEN = (32, 32, 32)
NEIGHBOURS = 15


def _check(kind: str, features: np.ndarray, targets: np.ndarray) -> None:
    if kind not in PROBES:
        raise ConfigError(f"unknown probe '{kind}'; choose one of {list(PROBES)}")
    if features.ndim != 2 or targets.shape != (len(features),) or len(features) < 2:
        raise DataError(f"probe needs features (N, D) and targets (N,), got {features.shape} "
                        f"and {targets.shape}")


def probe_accuracy(train_features: np.ndarray, train_labels: np.ndarray,
                   test_features: np.ndarray, test_labels: np.ndarray, *,
                   kind: str = "linear", seed: int = 0) -> float:
    """Test accuracy of a classifier probe fit on the training embeddings."""
    _check(kind, train_features, train_labels)
    model = {"linear": lambda: LogisticRegression(max_iter=2000),
             "mlp": lambda: MLPClassifier(hidden_layer_sizes=MLP_HIDDEN, max_iter=500,
                                          early_stopping=True, random_state=seed),
             "knn": lambda: KNeighborsClassifier(NEIGHBOURS)}[kind]()
    probe = make_pipeline(StandardScaler(), model).fit(train_features, train_labels)
    return float((probe.predict(test_features) == test_labels).mean())


def probe_r2(train_features: np.ndarray, train_targets: np.ndarray,
             test_features: np.ndarray, test_targets: np.ndarray, *,
             kind: str = "linear", seed: int = 0) -> float:
    """Test R^2 of a regression probe fit on the training embeddings."""
    _check(kind, train_features, train_targets)
    model = {"linear": LinearRegression,
             "mlp": lambda: MLPRegressor(hidden_layer_sizes=MLP_HIDDEN, max_iter=500,
                                         early_stopping=True, random_state=seed),
             "knn": lambda: KNeighborsRegressor(NEIGHBOURS)}[kind]()
    probe = make_pipeline(StandardScaler(), model).fit(train_features, train_targets)
    return float(r2_score(test_targets, probe.predict(test_features)))


def probe_r2_cv(features: np.ndarray, targets: np.ndarray, *, folds: int = 5, seed: int = 0,
                ) -> float:
    """Mean R^2 of a linear regression probe over ``folds`` shuffled cross-validation folds."""
    _check("linear", features, targets)
    if len(features) < 2 * folds:
        raise DataError(f"{len(features)} samples are too few for {folds}-fold cross-validation")
    probe = make_pipeline(StandardScaler(), LinearRegression())
    splits = KFold(folds, shuffle=True, random_state=seed)
    return float(cross_val_score(probe, features, targets, cv=splits, scoring="r2").mean())
