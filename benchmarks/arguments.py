"""The command-line options the studies have in common, and their one way of failing: a
study's error is one line (``NAME: what went wrong``), never a traceback."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks import ROOT
from cyclekit.errors import CyclekitError

RESULTS = ROOT / "benchmarks" / "results"
FIGURES = ROOT / "docs" / "figures"
RUNS = ROOT / "runs" / "benchmarks"  # ignored by git


def study_parser(doc: str) -> argparse.ArgumentParser:
    """A study's parser, described by the first line of its docstring ``doc``."""
    return argparse.ArgumentParser(description=doc.splitlines()[0])


def add_overrides(parser: argparse.ArgumentParser, help: str | None = None,
                  flag: str = "--set", dest: str = "overrides") -> None:
    """``--set KEY=VALUE`` (repeatable) into ``args.overrides``."""
    parser.add_argument(flag, dest=dest, action="append", default=[], metavar="KEY=VALUE",
                        help=help)


def add_seeds(parser: argparse.ArgumentParser) -> None:
    """``--seeds`` (default 0 1 2)."""
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])


def add_parallel(parser: argparse.ArgumentParser,
                 help: str | None = "runs at a time (1 thread each)") -> None:
    parser.add_argument("--parallel", type=int, default=2, help=help)


def add_folders(parser: argparse.ArgumentParser, runs_dir: Path | None = None,
                figures: bool = True, report_only: str | bool = "only collect finished runs",
                ) -> None:
    """``--runs-dir`` (given its default), ``--out`` (default ``benchmarks/results``),
    ``--figures`` (default ``docs/figures``) and ``--report-only`` (its help, or True)."""
    if runs_dir is not None:
        parser.add_argument("--runs-dir", type=Path, default=runs_dir)
    parser.add_argument("--out", type=Path, default=RESULTS)
    if figures:
        parser.add_argument("--figures", type=Path, default=FIGURES)
    if report_only:
        parser.add_argument("--report-only", action="store_true",
                            help=report_only if isinstance(report_only, str) else None)


def add_preset_table(parser: argparse.ArgumentParser, runs: str, figures: bool = True) -> None:
    """The options of a table of preset runs: ``--seeds``, ``--parallel``, ``--runs-dir``
    (default ``runs/benchmarks/<runs>``), ``--out``, ``--figures`` and ``--report-only``."""
    add_seeds(parser)
    add_parallel(parser)
    add_folders(parser, RUNS / runs, figures)


@contextmanager
def one_line_errors(study: str) -> Iterator[None]:
    """A ``CyclekitError`` or ``FileNotFoundError`` inside ends the study with
    ``SystemExit("STUDY: the error")``."""
    try:
        yield
    except (CyclekitError, FileNotFoundError) as error:
        raise SystemExit(f"{study}: {error}") from None


def default_data() -> Path:
    """The data folder: ``$CYCLEKIT_DATA``, else ``../shared/data`` beside the repository."""
    return Path(os.environ.get("CYCLEKIT_DATA") or ROOT.parent / "shared" / "data")
