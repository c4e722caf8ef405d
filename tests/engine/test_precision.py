"""The warning for a precision this CPU emulates, and the CLI's one-line form of it."""

import warnings

import pytest
import torch

import cyclekit.engine.precision as precision
from cyclekit.cli import _one_line_warning
from cyclekit.errors import CyclekitWarning


def test_only_bf16_on_a_cpu_without_bf16_instructions_is_warned_about(monkeypatch):
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: False)
    assert "--set train.precision=32-true" in precision.slow_precision_warning("bf16-mixed", cpu)
    assert precision.slow_precision_warning("32-true", cpu) is None
    assert precision.slow_precision_warning("bf16-mixed", cuda) is None
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: True)
    assert precision.slow_precision_warning("bf16-mixed", cpu) is None


def test_the_cli_prints_its_own_warnings_in_one_line_and_others_as_python_does():
    ours = _one_line_warning("slow", CyclekitWarning, "trainer.py", 7)
    assert ours == "cyclekit: warning: slow\n"
    theirs = _one_line_warning("old", DeprecationWarning, "lib.py", 3, "")
    assert theirs == warnings.formatwarning("old", DeprecationWarning, "lib.py", 3, "")
    assert "lib.py:3" in theirs


def test_a_build_that_cannot_tell_gets_no_warning(monkeypatch):
    def unknown():
        raise RuntimeError("no oneDNN in this build")

    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", unknown)
    assert precision.cpu_has_bf16() is True
    assert precision.slow_precision_warning("bf16-mixed", torch.device("cpu")) is None


def test_auto_precision_is_bf16_only_where_it_runs_natively(monkeypatch):
    from cyclekit.engine.precision import resolve_precision

    assert resolve_precision("32-true", "cpu") == "32-true"
    assert resolve_precision("bf16-mixed", "cpu") == "bf16-mixed"
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False)
    assert resolve_precision("auto", "cpu") == "32-true"
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True)
    assert resolve_precision("auto", "cpu") == "bf16-mixed"


def test_an_auto_run_records_the_precision_it_ran_in(tmp_path, tiny_settings):
    import yaml

    from cyclekit.config import build_config
    from cyclekit.engine.precision import resolve_precision
    from cyclekit.engine.trainer import train

    tiny_settings["train"]["precision"] = "auto"
    tiny_settings["train"]["steps"] = 2
    with pytest.warns(CyclekitWarning, match="train.precision=auto chose"):
        train(build_config({"method": "cyclegn", **tiny_settings}), tmp_path / "run",
              progress=False)
    saved = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert saved["train"]["precision"] == resolve_precision("auto", "cpu")
