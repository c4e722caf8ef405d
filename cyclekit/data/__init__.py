"""Image domains (MNIST, USPS, MNIST-M, ...) and unpaired mini-batching."""

from cyclekit.data.domain import DomainData, list_domains, load_domain
from cyclekit.data.unpaired import UnpairedBatcher

__all__ = ["DomainData", "UnpairedBatcher", "list_domains", "load_domain"]
