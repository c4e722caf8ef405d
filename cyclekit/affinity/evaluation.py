"""ACC's data loading and measurements (ACC paper, Sec. 4.1-4.2, Appendix B).

Factor datasets (dSprites, generated squares): the mutual information (bits) between every
factor and the embedding of all images, by sqrt(N)-bin histograms. MNIST: a linear (and a
3 x 32 MLP) probe of the digit class on the embedding, and the R^2 of linear probes of slant
and stroke thickness, fit on training digits of the seen classes and scored on seen test
digits and on the held-out class. Everything is measured for the trained network and for
the same network as initialised from the seed ("untrained", keys ``test/untrained/...``).
On the held-out class, ``r2/<style>_heldout`` scores the probes fit on the seen classes and
``r2/<style>_heldout_cv`` probes fit on held-out digits themselves (5-fold cross-validation).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from cyclekit.affinity.affinity import pairwise_similarity
from cyclekit.affinity.digit_style import slant, thickness
from cyclekit.affinity.factors import (
    FactorDataset,
    load_dsprites,
    load_mnist_factors,
    make_squares,
)
from cyclekit.affinity.mutual_information import (
    factor_entropy,
    mutual_information_per_factor,
)
from cyclekit.affinity.probes import probe_accuracy, probe_r2, probe_r2_cv
from cyclekit.affinity.set_batcher import SetBatcher
from cyclekit.errors import DataError

VALIDATION_BATCHES = 4
_VALIDATION_SEED_OFFSET = 7919  # validation sets differ from the training stream's


@dataclass
class AccData:
    """The pool sets are drawn from, the images the measurements embed, and (MNIST) the
    training images the probes are fit on."""

    train: FactorDataset
    test: FactorDataset
    probe_train: FactorDataset | None = None


def load_acc_data(config):
    spec = config.data
    if spec.dataset == "mnist":
        train = load_mnist_factors("train", spec.data_dir, spec.limit_train, config.seed)
        test = load_mnist_factors("test", spec.data_dir, spec.limit_test, config.seed)
        if spec.held_out_class is not None:
            train = train.subset(train.factors[:, 0] != spec.held_out_class)
            if not (test.factors[:, 0] == spec.held_out_class).any():
                raise DataError(f"the test split holds no digit {spec.held_out_class}; raise "
                                f"data.limit_test")
        probe_train = train.subset(torch.arange(min(len(train), spec.probe_train_size)))
        return AccData(train, test, probe_train)
    if spec.dataset == "dsprites":
        full = load_dsprites(spec.data_dir, spec.image_size)
    else:
        full = make_squares(spec.image_size)
    return AccData(full, full)


@contextmanager
def evaluating(network: nn.Module):
    """``network`` in eval mode for the block: a standardised embedding uses its running
    statistics and leaves them as training left them."""
    was_training = network.training
    network.eval()
    try:
        yield network
    finally:
        network.train(was_training)


@torch.no_grad()
def embed(network: nn.Module, images: torch.Tensor, device, batch_size: int = 256) -> np.ndarray:
    """Embeddings ``(N, E)`` of all ``images``, as a float64 numpy array."""
    with evaluating(network):
        parts = [network(images[start:start + batch_size].to(device)).cpu()
                 for start in range(0, len(images), batch_size)]
    return torch.cat(parts).double().numpy()


def _fixed_batches(method, data, count: int):
    spec = method.config.data
    batcher = SetBatcher(data.train, spec.set_size, inactive=tuple(spec.inactive),
                         unconstrained_second=spec.unconstrained_second,
                         augmentation=method.config.model.augmentation(),
                         seed=method.config.seed + _VALIDATION_SEED_OFFSET)
    return [batcher.next() for _ in range(count)]


@torch.no_grad()
def validation_loss(method, data, device) -> float:
    """The training loss on a few fixed set pairs (same for every validation of a run), with
    the network as evaluated."""
    with evaluating(method):
        losses = [method.loss_on({k: v.to(device) for k, v in batch.items()})
                  for batch in _fixed_batches(method, data, VALIDATION_BATCHES)]
    return float(torch.stack(losses).mean())


@torch.no_grad()
def correspondence_rows(method, data, count: int, device):
    """Set A, the nearest neighbour in set B of each of its images, and set B."""
    batch = _fixed_batches(method, data, 1)[0]
    first, second = batch["x"][:count].to(device), batch["y"].to(device)
    with evaluating(method):
        similarity = pairwise_similarity(method.embedder(first), method.embedder(second),
                                         method.config.model.similarity)
    nearest = second[similarity.argmax(-1)]
    return [first.cpu(), nearest.cpu(), second[:count].cpu()], ["set A", "NN in B", "set B"]


def factor_measurements(embedding: np.ndarray, dataset, seed: int = 0) -> dict[str, float]:
    """``mi/<factor>``: MI (bits) of every factor with the embedding; ``knn/<factor>``: the
    accuracy of a 15-nearest-neighbour probe fit on a random half of the images and scored on
    the other half, which also sees information the coarse MI histogram cannot resolve."""
    factors = dataset.factors.numpy()
    values = {f"mi/{name}": value for name, value in
              mutual_information_per_factor(embedding, factors, dataset.factor_names).items()}
    order = np.random.default_rng(seed).permutation(len(embedding))
    fit, score = order[: len(order) // 2], order[len(order) // 2:]
    for k, name in enumerate(dataset.factor_names):
        values[f"knn/{name}"] = probe_accuracy(embedding[fit], factors[fit, k], embedding[score],
                                               factors[score, k], kind="knn")
    return values


def style_targets(images: torch.Tensor) -> dict[str, np.ndarray]:
    return {"slant": slant(images).numpy(), "thickness": thickness(images).numpy()}


def style_measurements(train_embedding, train, test_embedding, test, held_out: int | None,
                       seed: int) -> dict[str, float]:
    """Class-probe accuracy and slant / thickness R^2 on seen test digits and held-out ones."""
    train_labels, test_labels = train.factors[:, 0].numpy(), test.factors[:, 0].numpy()
    seen = test_labels != held_out if held_out is not None else np.ones(len(test_labels), bool)
    values = {
        "class_probe_accuracy": probe_accuracy(train_embedding, train_labels,
                                               test_embedding[seen], test_labels[seen]),
        "class_probe_accuracy_mlp": probe_accuracy(train_embedding, train_labels,
                                                   test_embedding[seen], test_labels[seen],
                                                   kind="mlp", seed=seed),
    }
    train_targets, test_targets = style_targets(train.images), style_targets(test.images)
    for name in train_targets:
        values[f"r2/{name}"] = probe_r2(train_embedding, train_targets[name],
                                        test_embedding[seen], test_targets[name][seen])
        if held_out is not None:
            values[f"r2/{name}_heldout"] = probe_r2(train_embedding, train_targets[name],
                                                    test_embedding[~seen],
                                                    test_targets[name][~seen])
            values[f"r2/{name}_heldout_cv"] = probe_r2_cv(test_embedding[~seen],
                                                          test_targets[name][~seen], seed=seed)
    return values


def evaluate_acc(method, data, device) -> dict[str, float]:
    """``test/...`` measurements of the trained network and ``test/untrained/...`` of the
    network as initialised from the seed."""
    config = method.config
    metrics: dict[str, float] = {}
    networks = {"": method.embedder, "untrained/": method.untrained_embedder()}
    for prefix, network in networks.items():
        test_embedding = embed(network, data.test.images, device)
        if config.data.dataset == "mnist":
            values = style_measurements(embed(network, data.probe_train.images, device),
                                        data.probe_train, test_embedding, data.test,
                                        config.data.held_out_class, config.seed)
        else:
            values = factor_measurements(test_embedding, data.test, config.seed)
        metrics.update({f"test/{prefix}{k}": v for k, v in values.items()})
    if config.data.dataset == "mnist":
        seen = data.test.factors[:, 0]
        if config.data.held_out_class is not None:
            seen = seen[seen != config.data.held_out_class]
        metrics["test/class_chance"] = float(torch.bincount(seen).max() / len(seen))
    else:
        for k, name in enumerate(data.test.factor_names):
            metrics[f"test/entropy/{name}"] = factor_entropy(data.test.factors[:, k].numpy())
    return metrics
