"""Proxy A-distance between two samples (Ben-David et al. 2007; Hou et al., Fig. 9).

d_A = 2 (1 - 2 eps), eps the test error of a linear SVM (scikit-learn) trained to tell the
two domains apart. Protocol of Long et al. (2015): each sample is split in two halves, the
SVM is fit on one half of both and scored on the other. 2 means perfectly separable domains,
0 indistinguishable ones (chance error; slightly negative values are noise).
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from cyclekit.errors import DataError


def proxy_a_distance(source: torch.Tensor | np.ndarray, target: torch.Tensor | np.ndarray, *,
                     max_samples: int = 2000, c: float = 1.0, seed: int = 0) -> float:
    """2 (1 - 2 eps) of a linear SVM separating ``source`` from ``target`` (rows = samples,
    flattened), fit on a random half of each and scored on the other half."""
    rng = np.random.default_rng(seed)
    halves = []
    for name, values in (("source", source), ("target", target)):
        values = np.asarray(values.detach().cpu() if isinstance(values, torch.Tensor) else values,
                            dtype=np.float64).reshape(len(values), -1)
        if len(values) < 4:
            raise DataError(f"A-distance needs at least 4 {name} samples, got {len(values)}")
        values = values[rng.permutation(len(values))[:max_samples]]
        cut = len(values) // 2
        halves.append((values[:cut], values[cut:]))
    (source_fit, source_test), (target_fit, target_test) = halves
    fit = np.concatenate([source_fit, target_fit])
    fit_domains = np.r_[np.zeros(len(source_fit)), np.ones(len(target_fit))]
    test = np.concatenate([source_test, target_test])
    test_domains = np.r_[np.zeros(len(source_test)), np.ones(len(target_test))]
    svm = make_pipeline(StandardScaler(), LinearSVC(C=c, max_iter=5000, random_state=seed))
    svm.fit(fit, fit_domains)
    error = float(np.mean(svm.predict(test) != test_domains))
    return 2.0 * (1.0 - 2.0 * error)
