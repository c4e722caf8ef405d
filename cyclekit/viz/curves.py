"""Training curves from metric records, one panel per key family ("loss/cycle_x" belongs to family "loss")."""

import math
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cyclekit.atomic import atomic_output

PANEL_COLUMNS = 3
PANEL_INCHES = (5.0, 3.2)
SPARSE_POINTS = 30  # series shorter than this get point markers, so single points stay visible
LOG_SPREAD = 10.0  # a panel whose positive series differ by this factor (median to median) is drawn on a log scale


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


def log_scale_families(families: dict[str, dict[str, tuple[list[float], list[float]]]]) -> list[str]:
    """The families drawn on a log y-scale: every value positive, and the medians of their
    series differ by at least :data:`LOG_SPREAD` (e.g. a cycle loss of 10 beside a GAN loss of
    0.1, which on a linear scale would be a flat line at zero)."""
    chosen = []
    for family, family_series in families.items():
        values = [y for _, ys in family_series.values() for y in ys]
        if not values or min(values) <= 0:
            continue
        medians = [sorted(ys)[len(ys) // 2] for _, ys in family_series.values()]
        if len(medians) > 1 and max(medians) / min(medians) >= LOG_SPREAD:
            chosen.append(family)
    return chosen


def plot_curves(records: list[dict], path: str | Path, *, x_key: str = "step", keys: list[str] | None = None) -> Path:
    """Plot every numeric key against ``x_key``, one subplot per family, to a PNG at ``path`` (atomic write).

    A panel whose terms differ by orders of magnitude is drawn on a log scale
    (:func:`log_scale_families`), its title saying so. Raises ValueError when there is
    nothing to plot.
    """
    families = curve_families(records, x_key=x_key, keys=keys)
    if not families:
        raise ValueError(f"no numeric metrics with a numeric {x_key!r} to plot")
    log_families = set(log_scale_families(families))
    columns = min(PANEL_COLUMNS, len(families))
    panel_rows = math.ceil(len(families) / columns)
    figure = Figure(figsize=(PANEL_INCHES[0] * columns, PANEL_INCHES[1] * panel_rows), layout="constrained")
    FigureCanvasAgg(figure)
    axes = list(figure.subplots(panel_rows, columns, squeeze=False).flat)
    for ax, (family, family_series) in zip(axes, families.items()):
        for key, (xs, ys) in family_series.items():
            ax.plot(xs, ys, label=key.split("/", 1)[-1], linewidth=1.2, marker="." if len(xs) < SPARSE_POINTS else None)
        if family in log_families:
            ax.set_yscale("log")
            ax.set_title(f"{family} (log scale)")
        else:
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
