"""Affinity cycle consistency (ACC, "Leveraging affinity cycle consistency to isolate factors
of variation in learned representations"), with TCC heads on the same primitive, set-supervised
batches and the factor-isolation measurements."""
