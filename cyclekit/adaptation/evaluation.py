"""Test metrics of unsupervised domain adaptation (Hou et al., Sec. 4.2 and Fig. 9).

* ``target_acc``: accuracy of the method's target classifier on the target test split (the
  only place target labels are read); ``target_acc_feature``: the classifier on features;
  ``source_acc``: the same classifier on the source test split.
* ``a_distance_raw`` / ``a_distance_feature``: proxy A-distance 2 (1 - 2 eps) of a linear SVM
  between source and target test images, on raw pixels and on the method's features.
* Whatever the method adds (:meth:`UDAMethod.extra_metrics`, e.g. CDLM's SSIM / PSNR / MSE).

An unlabelled target (``data.target: folder:PATH``) has no test labels: ``target_acc`` and
``target_acc_feature`` are then left out and ``test/target_acc_note`` says why; a folder
domain's test split is described in ``data/source_split`` / ``data/target_split`` and a
folder source's classes in ``data/class_names``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from cyclekit.adaptation.a_distance import proxy_a_distance
from cyclekit.adaptation.domain_batch_norm import SOURCE
from cyclekit.data.image_folder import is_folder, split_metric

BATCH = 500
A_DISTANCE_SAMPLES = 2000


@torch.no_grad()
def apply(fn: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, method, device,
          ) -> torch.Tensor:
    """``fn`` over ``images`` in batches with ``method`` in eval mode; a CPU tensor."""
    was_training = method.training
    method.eval()
    try:
        outputs = [fn(images[i:i + BATCH].to(device)).cpu() for i in range(0, len(images), BATCH)]
    finally:
        method.train(was_training)
    return torch.cat(outputs)


def accuracy(classify: Callable, split, method, device) -> float:
    predictions = apply(classify, split.images, method, device).argmax(dim=1)
    return float((predictions == split.labels).float().mean())


def evaluate(method, pair, device) -> dict[str, float]:
    source, target = pair.x.test, pair.y.test
    metrics: dict = {}
    if target.labels is not None:
        metrics["test/target_acc"] = accuracy(method.classify, target, method, device)
        metrics["test/target_acc_feature"] = accuracy(method.classify_features, target, method,
                                                      device)
    else:
        metrics["test/target_acc_note"] = (f"not available: the target {target.name} is "
                                           f"unlabelled")
    metrics["test/source_acc"] = accuracy(lambda x: method.classify(x, SOURCE), source, method,
                                          device)
    for key, split in (("source", source), ("target", target)):
        if is_folder(split.name):
            metrics[f"data/{key}_split"] = split_metric(method.config.data, split.name,
                                                        len(split.images))
    class_names = getattr(method.config.data, "class_names", None)
    if class_names:
        metrics["data/class_names"] = ",".join(class_names)
    count = A_DISTANCE_SAMPLES
    metrics["test/a_distance_raw"] = proxy_a_distance(source.images[:count], target.images[:count])
    metrics["test/a_distance_feature"] = proxy_a_distance(
        apply(lambda x: method.features(x, SOURCE), source.images[:count], method, device),
        apply(method.features, target.images[:count], method, device))
    metrics.update(method.extra_metrics(pair, device))
    return metrics
