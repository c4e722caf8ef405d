"""Implicit latent variable models: symmetric joint-matching variational inference (SJMVI,
"Cycle-consistent adversarial learning as approximate Bayesian inference") with the VAE and
AVB baselines."""
