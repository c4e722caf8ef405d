import math

import pytest
from PIL import Image

from cyclekit.viz.curves import curve_families, log_scale_families, plot_curves

RECORDS = [
    {"step": 0, "loss/cycle_x": 1.0, "loss/cycle_y": 2.0, "acc": 0.1},
    {"step": 10, "loss/cycle_x": 0.5, "phase": "E", "acc": math.nan},
    {"step": 20, "loss/cycle_y": 1.0, "acc": 0.5, "flag": True},
    {"event": "em_switch", "phase": "M"},
]


def test_families_group_by_prefix_and_skip_non_numbers():
    families = curve_families(RECORDS)
    assert families == {
        "acc": {"acc": ([0, 20], [0.1, 0.5])},
        "loss": {"loss/cycle_x": ([0, 10], [1.0, 0.5]), "loss/cycle_y": ([0, 20], [2.0, 1.0])},
    }
    assert list(curve_families(RECORDS, keys=["acc"])) == ["acc"]


def test_plot_writes_png(tmp_path):
    path = plot_curves(RECORDS, tmp_path / "sub" / "curves.png")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] > image.size[1]
    assert [p.name for p in path.parent.iterdir()] == ["curves.png"]


def test_nothing_to_plot(tmp_path):
    with pytest.raises(ValueError):
        plot_curves([{"event": "start"}], tmp_path / "curves.png")
    assert not (tmp_path / "curves.png").exists()


def test_terms_orders_of_magnitude_apart_get_a_log_scale(tmp_path):
    records = [{"step": s, "loss/cycle": 10.0 / (s + 1), "loss/gan": 0.01, "acc/a": 0.5 + s / 100,
                "acc/b": 0.6, "signed/a": -1.0, "signed/b": 100.0} for s in range(5)]
    assert log_scale_families(curve_families(records)) == ["loss"]  # acc: close; signed: <= 0
    plot_curves(records, tmp_path / "curves.png")
    assert (tmp_path / "curves.png").exists()
