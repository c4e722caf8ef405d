"""Affinity cycle consistency (ACC, "Leveraging affinity cycle consistency to isolate factors
of variation in learned representations"), with TCC heads on the same primitive, set-supervised
batches and the factor-isolation measurements. Importing this package registers ACC."""

from cyclekit.affinity.acc import AffinityCycleConsistency

__all__ = ["AffinityCycleConsistency"]
