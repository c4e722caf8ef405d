"""Unsupervised domain adaptation: CDLM (Hou et al., "Variational Transfer Learning using
Cross-Domain Latent Modulation"), DANN, source-only and target-only baselines, and the DIRT-T
refinement."""
