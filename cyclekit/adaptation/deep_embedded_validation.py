"""Deep Embedded Validation (DEV; You, Wang, Long and Jordan, ICML 2019): the target risk of a
trained adaptation model estimated without a target label, for choosing among models.

Under covariate shift in the model's feature space (p_s(y | f) = p_t(y | f)), the target risk is
the source risk reweighted by the density ratio w(f) = p_t(f) / p_s(f):

1. :func:`density_ratio`: a domain classifier on features separates source training features
   from target features; its odds give w(f) = (n_s / n_t) P(target | f) / P(source | f).
2. :func:`dev_risk`: on labelled source *validation* data (held out of training), the weighted
   loss L = w l is unbiased for the target risk, and w itself has mean 1, which makes it a
   control variate: eta = -Cov(L, w) / Var(w), R = mean(L) + eta mean(w) - eta (their Alg. 2).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from cyclekit.errors import DataError

# Weight decays tried for the domain classifier; the one with the lowest held-out log loss is
# kept, since the ratio needs calibrated probabilities, not only the right side of 1/2.
WEIGHT_DECAYS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
HELD_OUT_FRACTION = 0.2
# Probabilities are kept inside [EPS, 1 - EPS] so that a confident classifier gives a large but
# finite weight.
EPS = 1e-6


def _as_rows(values, name: str) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    values = values.reshape(len(values), -1)
    if len(values) < 10:
        raise DataError(f"DEV needs at least 10 {name} samples, got {len(values)}")
    if not np.isfinite(values).all():
        raise DataError(f"the {name} features hold NaN or infinite values")
    return values


def density_ratio(source_features, target_features, query_features, *, seed: int = 0,
                  ) -> dict:
    """w(f) = p_t(f) / p_s(f) at ``query_features`` from a domain classifier (an MLP with one
    hidden layer as wide as the features, scikit-learn) fit on 80 % of the source and target
    features, its weight decay chosen by log loss on the other 20 %.

    Returns ``weights`` (one per query row) and ``domain_accuracy``, the chosen classifier's
    held-out accuracy (0.5: the features do not tell the domains apart)."""
    source = _as_rows(source_features, "source")
    target = _as_rows(target_features, "target")
    query = _as_rows(query_features, "validation")
    features = np.concatenate([source, target])
    domains = np.r_[np.zeros(len(source)), np.ones(len(target))]
    fit_x, held_x, fit_y, held_y = train_test_split(
        features, domains, test_size=HELD_OUT_FRACTION, stratify=domains, random_state=seed)
    best = None
    for decay in WEIGHT_DECAYS:
        classifier = make_pipeline(StandardScaler(), MLPClassifier(
            hidden_layer_sizes=(features.shape[1],), alpha=decay, max_iter=300,
            random_state=seed))
        with warnings.catch_warnings():
            # An unconverged fit is still a candidate: the held-out log loss judges it.
            warnings.simplefilter("ignore", ConvergenceWarning)
            classifier.fit(fit_x, fit_y)
        held = classifier.predict_proba(held_x)[:, 1]
        loss = log_loss(held_y, held, labels=[0, 1])
        if best is None or loss < best[0]:
            best = (loss, classifier, float(np.mean((held > 0.5) == held_y)))
    _, classifier, domain_accuracy = best
    p_target = np.clip(classifier.predict_proba(query)[:, 1], EPS, 1.0 - EPS)
    prior = float(np.sum(fit_y == 0)) / float(np.sum(fit_y == 1))
    return {"weights": prior * p_target / (1.0 - p_target), "domain_accuracy": domain_accuracy}


def dev_risk(weights, losses) -> float:
    """The control-variate estimate of the target risk, mean(w l) + eta (mean(w) - 1) with
    eta = -Cov(w l, w) / Var(w) (DEV, Alg. 2); mean(w l) when all weights are equal."""
    weights = np.asarray(weights, dtype=np.float64).ravel()
    losses = np.asarray(losses, dtype=np.float64).ravel()
    if weights.shape != losses.shape or len(weights) < 2:
        raise DataError(f"DEV needs one weight per loss and at least two of each, got "
                        f"{len(weights)} weights and {len(losses)} losses")
    weighted = weights * losses
    variance = np.var(weights, ddof=1)
    if variance == 0.0:
        return float(np.mean(weighted))
    eta = -np.cov(weighted, weights, ddof=1)[0, 1] / variance
    return float(np.mean(weighted) + eta * np.mean(weights) - eta)


def effective_sample_size(weights) -> float:
    """(sum w)^2 / sum w^2: how many equally weighted samples the weighted mean is worth."""
    weights = np.asarray(weights, dtype=np.float64).ravel()
    return float(weights.sum() ** 2 / np.square(weights).sum())
