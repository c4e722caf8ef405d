"""Training curves from metric records, one panel per key family ("loss/cycle_x" belongs to family "loss")."""

import math
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cyclekit.atomic import atomic_output

PANEL_COLUMNS = 3
PANEL_INCHES = (5.0, 3.2)
SPARSE_POINTS = 30  # series shorter than this get point markers, so single points stay visible


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def curve_families(
    records: list[dict], *, x_key: str = "step", keys: list[str] | None = None
) -> dict[str, dict[str, tuple[list[float], list[float]]]]:
    """Group the numeric series in ``records`` as {family: {key: (xs, ys)}}.

    A record contributes to a key only if both its ``x_key`` and that key hold
    finite numbers; other values (strings, None, NaN) are skipped. ``keys``
    restricts the keys plotted. Families and keys are sorted by name.
    """
    series: dict[str, tuple[list[float], list[float]]] = {}
    for record in records:
        x = record.get(x_key)
        if not _is_number(x):
            continue
        for key, value in record.items():
            if key == x_key or (keys is not None and key not in keys) or not _is_number(value):
                continue
            xs, ys = series.setdefault(key, ([], []))
            xs.append(x)
            ys.append(value)
    families: dict[str, dict[str, tuple[list[float], list[float]]]] = {}
    for key in sorted(series):
        families.setdefault(key.split("/", 1)[0], {})[key] = series[key]
    return families


def plot_curves(records: list[dict], path: str | Path, *, x_key: str = "step", keys: list[str] | None = None) -> Path:
    """Plot every numeric key against ``x_key``, one subplot per family, to a PNG at ``path`` (atomic write).

    Raises ValueError when there is nothing to plot.
    """
    families = curve_families(records, x_key=x_key, keys=keys)
    if not families:
        raise ValueError(f"no numeric metrics with a numeric {x_key!r} to plot")
    columns = min(PANEL_COLUMNS, len(families))
    panel_rows = math.ceil(len(families) / columns)
    figure = Figure(figsize=(PANEL_INCHES[0] * columns, PANEL_INCHES[1] * panel_rows), layout="constrained")
    FigureCanvasAgg(figure)
    axes = list(figure.subplots(panel_rows, columns, squeeze=False).flat)
    for ax, (family, family_series) in zip(axes, families.items()):
        for key, (xs, ys) in family_series.items():
            ax.plot(xs, ys, label=key.split("/", 1)[-1], linewidth=1.2, marker="." if len(xs) < SPARSE_POINTS else None)
        ax.set_title(family)
        ax.set_xlabel(x_key)
        ax.grid(alpha=0.3)
        if len(family_series) > 1 or "/" in next(iter(family_series)):
            ax.legend(fontsize="small")
    for ax in axes[len(families):]:
        ax.set_visible(False)
    with atomic_output(path) as tmp:
        figure.savefig(tmp, format="png", dpi=100)
    return Path(path)
