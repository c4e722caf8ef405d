"""Visualization: image grids, training curves and a static HTML run report."""

from cyclekit.viz.curves import curve_families, plot_curves
from cyclekit.viz.grid import image_grid_array, save_image_grid
from cyclekit.viz.report import write_report

__all__ = ["curve_families", "image_grid_array", "plot_curves", "save_image_grid", "write_report"]
