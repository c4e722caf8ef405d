"""Visualization shared by every method: image grids, training curves, t-SNE and the static HTML run report."""
