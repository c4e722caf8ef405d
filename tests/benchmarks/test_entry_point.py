"""``python -m benchmarks``: the one entry point lists every study of benchmarks/ and runs one
by name; the shared modules are not studies."""

from __future__ import annotations

import pytest

from tests.benchmarks.studies import ROOT, run_study

# Modules of benchmarks/ that the studies share; every other benchmarks/*.py is a study.
SHARED = {"__init__", "__main__", "arguments", "launch", "paired_steps", "preset_runs",
          "results_table"}
STUDIES = sorted(path.stem for path in (ROOT / "benchmarks").glob("*.py")
                 if path.stem not in SHARED)
# Shell scripts run on a lent GPU; lent_gpu.sh is sourced by them, not run.
SCRIPTS = sorted(path.stem for path in (ROOT / "benchmarks").glob("*.sh")
                 if path.stem != "lent_gpu")


@pytest.fixture(scope="module")
def listing(tmp_path_factory) -> dict[str, str]:
    """``{name: its line}`` as ``python -m benchmarks`` prints them (run from another folder)."""
    done = run_study(cwd=tmp_path_factory.mktemp("elsewhere"), timeout=60)
    assert done.returncode == 0, done.stderr
    rows = [line.split(None, 1) for line in done.stdout.splitlines() if line.startswith("  ")]
    return {row[0]: row[1] if len(row) > 1 else "" for row in rows}


def test_every_study_and_script_is_listed_with_a_line(listing):
    assert STUDIES and SCRIPTS
    missing = [name for name in [*STUDIES, *SCRIPTS] if name not in listing]
    assert not missing, f"not listed by python -m benchmarks: {missing}"
    assert not SHARED & set(listing), "a shared module is listed as a study"
    assert all(len(line) > 10 for line in listing.values()), listing


def test_a_line_is_the_first_sentence_of_the_docstring(listing):
    assert listing["throughput"] == ("Training-step throughput of CycleGAN and CycleGN: "
                                     "cyclekit's step against a plain loop.")


@pytest.mark.parametrize("name", ["ssim_chunks", "uda_results"])
def test_a_study_runs_by_name(name):
    done = run_study(name, "--help", timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: python -m benchmarks {name}"), done.stdout[:200]
    assert "--out" in done.stdout


def test_an_unknown_name_is_one_line():
    done = run_study("no_such_study", timeout=60)
    assert done.returncode == 1 and "no study 'no_such_study'" in done.stderr
    assert "Traceback" not in done.stderr
