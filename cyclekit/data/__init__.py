"""Image domains (MNIST, USPS, MNIST-M, Facades, ...), their cache and unpaired mini-batching."""
