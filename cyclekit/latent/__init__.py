"""Implicit latent variable models: symmetric joint-matching variational inference (SJMVI,
"Cycle-consistent adversarial learning as approximate Bayesian inference") with the VAE and
AVB baselines. Importing this package registers the three methods."""

from cyclekit.latent.models import AVB, SJMVI, VAE

__all__ = ["AVB", "SJMVI", "VAE"]
