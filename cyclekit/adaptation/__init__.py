"""Unsupervised domain adaptation: CDLM (Hou et al., "Variational Transfer Learning using
Cross-Domain Latent Modulation"), DANN, source-only and target-only baselines, and the DIRT-T
refinement. Importing this package registers the methods."""

from cyclekit.adaptation.baselines import DANN, SourceOnly, TargetOnly
from cyclekit.adaptation.cdlm import CDLM
from cyclekit.adaptation.dirt_t import DIRTT

__all__ = ["CDLM", "DANN", "DIRTT", "SourceOnly", "TargetOnly"]
