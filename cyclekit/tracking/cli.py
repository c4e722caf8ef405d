"""``cyclekit track run`` and ``cyclekit track eval``: the one-pass protocol from the shell.

    cyclekit track run ncc|RUN_DIR SEQUENCE_DIR... --out RESULTS_DIR [--device cuda]
    cyclekit track run ncc|RUN_DIR FRAME_DIR_OR_VIDEO_FILE --init x,y,w,h --out BOXES_FILE
    cyclekit track eval RESULTS_DIR --data SEQUENCES_DIR_OR_JSON --protocol pysot_otb [--out FILE]
    cyclekit track tre ncc|RUN_DIR SEQUENCE_DIR... --protocol pysot_otb --out FILE [--segments 20]
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

import yaml

from cyclekit.engine.inference_device import add_device_option, inference_device
from cyclekit.errors import ConfigError, CyclekitWarning, DataError
from cyclekit.tracking.protocols import PROTOCOLS, get_protocol
from cyclekit.tracking.sequences.discover import check_sequence_path, discover_sequences
from cyclekit.tracking.sequences.vot import VOT_CONVERSIONS

# The commands import the trackers, the runner and the evaluation (and with them PyTorch)
# when they run, so that ``cyclekit --help`` answers at once. Every input is checked before
# any work starts (the protocol, the output paths, the data paths, the tracker), so a bad one
# ends in one line and exit 2; sequence folders that are skipped or truncated are named in
# one warning line each.

_TRUNCATE_HELP = ("when a sequence's ground truth and frames differ in count, keep the first "
                  "min of both (said in a warning) instead of stopping")


def add_track_parser(commands) -> None:
    """Register ``track run`` / ``track eval`` / ``track tre`` on the top-level subparsers."""
    track = commands.add_parser("track", help="run trackers one-pass and score their boxes")
    actions = track.add_subparsers(dest="track_command", required=True)

    run = actions.add_parser("run", help="run a tracker over sequences, write <name>.txt boxes")
    run.add_argument("tracker", help="baseline name (ncc) or a trained run directory")
    run.add_argument("sequences", nargs="+", type=Path,
                     help="sequence folders, folders of sequences, or pysot dataset JSON files; "
                          "with --init one frame folder or video file (no ground truth)")
    run.add_argument("--out", type=Path, required=True,
                     help="results folder; with --init the box file to write")
    run.add_argument("--init", default=None, metavar="X,Y,W,H",
                     help="the target's box in the first frame (top-left corner, 1-based "
                          "pixels, as box files): track one frame folder or video file")
    run.add_argument("--truncate", action="store_true", help=_TRUNCATE_HELP)
    run.add_argument("--vot-boxes", choices=VOT_CONVERSIONS, default="pysot",
                     help="rotated VOT rectangle -> axis-aligned box (default pysot)")
    run.add_argument("--threads", type=int, default=None,
                     help="torch threads (default: the run's train.num_threads, else torch's)")
    add_device_option(run, note="; baselines run on the CPU")
    run.set_defaults(handler=_run)

    evaluate = actions.add_parser("eval", help="score a results folder under a named protocol")
    evaluate.add_argument("results", type=Path, help="folder of <sequence>.txt box files")
    evaluate.add_argument("--data", type=Path, required=True,
                          help="sequence folder, folder of sequences, or pysot dataset JSON")
    evaluate.add_argument("--protocol", required=True, help=f"one of {', '.join(PROTOCOLS)}")
    evaluate.add_argument("--out", type=Path, default=None,
                          help="report path (.json, plus .md beside it); default "
                               "RESULTS/metrics_<protocol>.json")
    evaluate.add_argument("--truncate", action="store_true", help=_TRUNCATE_HELP)
    evaluate.add_argument("--vot-boxes", choices=VOT_CONVERSIONS, default="pysot",
                          help="rotated VOT rectangle -> axis-aligned box (default pysot)")
    evaluate.set_defaults(handler=_eval)

    tre = actions.add_parser("tre", help="temporal robustness: run from several starts of "
                                         "each sequence, score the pooled frames")
    tre.add_argument("tracker", help="baseline name (ncc) or a trained run directory")
    tre.add_argument("sequences", nargs="+", type=Path,
                     help="sequence folders, folders of sequences, or pysot dataset JSON files")
    tre.add_argument("--protocol", required=True, help=f"one of {', '.join(PROTOCOLS)}")
    tre.add_argument("--out", type=Path, required=True, help="report path (.json, plus .md)")
    tre.add_argument("--segments", type=int, default=20, help="starts per sequence (OTB: 20)")
    tre.add_argument("--min-length", type=int, default=20,
                     help="frames the last start leaves at least (OTB: 20)")
    tre.add_argument("--truncate", action="store_true", help=_TRUNCATE_HELP)
    tre.add_argument("--vot-boxes", choices=VOT_CONVERSIONS, default="pysot",
                     help="rotated VOT rectangle -> axis-aligned box (default pysot)")
    tre.add_argument("--threads", type=int, default=None,
                     help="torch threads (default: the run's train.num_threads, else torch's)")
    add_device_option(tre, note="; baselines run on the CPU")
    tre.set_defaults(handler=_tre)


def _run(args) -> int:
    import torch

    from cyclekit.tracking.runner import run_tracker
    from cyclekit.tracking.trackers import tracker_factory

    if args.init is not None:
        return _run_footage(args)
    _check_output_folder(args.out, "--out")
    sequences = _tracker_inputs(args, "run")
    threads = _thread_count(args)
    if threads is not None:
        torch.set_num_threads(threads)
    factory = tracker_factory(args.tracker, inference_device(args.device))

    def report(result) -> None:
        print(f"{result.name}: {len(result.boxes)} frames, {result.fps:.1f} fps "
              f"({result.fps_with_decoding:.1f} fps with decoding)", flush=True)

    summary = run_tracker(factory, sequences, args.out, progress=report)
    print(f"{summary['tracker']}: {summary['fps']:.1f} fps over {len(sequences)} sequences "
          f"(decoding excluded; {summary['fps_with_decoding']:.1f} fps with it); "
          f"boxes in {args.out}")
    return 0


def _run_footage(args) -> int:
    """``track run TRACKER VIDEO --init x,y,w,h --out boxes.txt``: one frame folder or video
    file without ground truth, tracked from the given box; one 1-based ``x,y,w,h`` line per
    frame (the first is the --init box), written atomically."""
    import time

    import numpy as np
    import torch

    from cyclekit.tracking.sequences.box_text import write_boxes
    from cyclekit.tracking.sequences.footage import (
        ORIGIN,
        check_init_box,
        open_footage,
        parse_init_box,
    )
    from cyclekit.tracking.trackers import tracker_factory

    init_box = parse_init_box(args.init)
    if len(args.sequences) != 1:
        raise ConfigError(f"--init tracks one frame folder or video file, got "
                          f"{len(args.sequences)} paths; run once per video")
    _check_box_file(args.out, "--out")
    if args.threads is not None and args.threads < 1:
        raise ConfigError(f"--threads {args.threads}: give at least 1")
    _check_tracker(args.tracker, "run")
    footage = open_footage(args.sequences[0])
    check_init_box(init_box, footage.size, args.init)
    threads = _thread_count(args)
    if threads is not None:
        torch.set_num_threads(threads)
    tracker = tracker_factory(args.tracker, inference_device(args.device))()

    shift = np.array([ORIGIN, ORIGIN, 0, 0], dtype=np.float64)
    boxes, tracking = [init_box], 0.0
    started = time.perf_counter()
    with torch.no_grad():
        for index, frame in enumerate(footage.frames()):
            tic = time.perf_counter()
            if index == 0:
                tracker.init(frame, init_box - shift)
            else:
                boxes.append(np.asarray(tracker.update(frame), dtype=np.float64) + shift)
            tracking += time.perf_counter() - tic
    total = time.perf_counter() - started
    write_boxes(args.out, np.stack(boxes))
    print(f"{footage.name}: {len(boxes)} frames, {len(boxes) / max(tracking, 1e-12):.1f} fps "
          f"({len(boxes) / max(total, 1e-12):.1f} fps with decoding); boxes in {args.out}")
    return 0


def _eval(args) -> int:
    from cyclekit.tracking.evaluate import (
        evaluate_results,
        markdown_table,
        write_report,
    )

    get_protocol(args.protocol)  # unknown names fail before any file is read
    try:
        problem = ("does not exist" if not args.results.exists() else
                   "is a file" if not args.results.is_dir() else None)
    except OSError as error:  # a name too long, a folder that may not be read
        problem = f"cannot be read ({error.strerror})"
    if problem:
        raise DataError(f"results folder {args.results} {problem}; track eval scores the "
                        f"folder of <sequence>.txt box files that track run wrote")
    out = args.out or args.results / f"metrics_{args.protocol}.json"
    _check_report_path(out, "--out" if args.out else "the default report path")
    check_sequence_path(args.data)
    report = evaluate_results(args.results,
                              _sequences([args.data], args.vot_boxes, args.truncate),
                              args.protocol)
    json_path, md_path = write_report(report, out)
    print(markdown_table(report), end="")
    print(json.dumps({k: report["mean"][k] for k in ("auc", "precision", "norm_precision")}))
    print(f"written: {json_path}, {md_path}")
    return 0


def _tre(args) -> int:
    import torch

    from cyclekit.tracking.evaluate import markdown_table, write_report
    from cyclekit.tracking.temporal_robustness import evaluate_tre
    from cyclekit.tracking.trackers import tracker_factory

    get_protocol(args.protocol)
    _check_report_path(args.out, "--out")
    sequences = _tracker_inputs(args, "tre")
    threads = _thread_count(args)
    if threads is not None:
        torch.set_num_threads(threads)
    factory = tracker_factory(args.tracker, inference_device(args.device))

    def progress(name: str, done: int, total: int) -> None:
        if done == total:
            print(f"{name}: {total} runs", flush=True)

    report = evaluate_tre(args.protocol, sequences, factory, args.segments, args.min_length,
                          progress=progress)
    json_path, md_path = write_report(
        {"tracker": args.tracker, **report}, args.out,
        title=f"TRE of {args.tracker}, {args.segments} starts per sequence")
    print(markdown_table(report), end="")
    print(f"TRE over {report['tracked_frames']} frames at {report['fps']:.1f} fps; "
          f"written: {json_path}, {md_path}")
    return 0


def _tracker_inputs(args, command: str):
    """Check ``--threads``, the sequence paths and the tracker of ``track run|tre``, then load
    the sequences."""
    if args.threads is not None and args.threads < 1:
        raise ConfigError(f"--threads {args.threads}: give at least 1")
    for path in args.sequences:
        check_sequence_path(path)
    _check_tracker(args.tracker, command)
    return _sequences(args.sequences, args.vot_boxes, args.truncate)


def _thread_count(args) -> int | None:
    """``--threads``; else a run's own ``train.num_threads`` (a small tracker trained on one
    thread tracks fastest on one, above all on a loaded machine); else torch's default."""
    if args.threads is not None:
        return args.threads
    config_path = Path(args.tracker) / "config.yaml"
    if not config_path.is_file():  # a baseline name
        return None
    train = (yaml.safe_load(config_path.read_text()) or {}).get("train") or {}
    return train.get("num_threads")


def _sequences(paths: list[Path], vot_boxes: str, truncate: bool):
    """The sequences of all ``paths``; each skipped or truncated folder printed as one line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CyclekitWarning)
        try:
            sequences = [s for path in paths
                         for s in discover_sequences(path, vot_boxes, truncate)]
        finally:
            for warning in caught:
                if issubclass(warning.category, CyclekitWarning):
                    print(f"cyclekit: warning: {warning.message}", file=sys.stderr, flush=True)
                else:
                    warnings.warn_explicit(warning.message, warning.category,
                                           warning.filename, warning.lineno)
    names = [s.name for s in sequences]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DataError(f"sequence names {repeated} given more than once")
    return sequences


def _check_tracker(spec: str, command: str) -> None:
    """A baseline name, or a run directory of a method with a tracker; else one line that
    says what the command needs."""
    from cyclekit.registry import get_method_class, list_methods
    from cyclekit.tracking.trackers import BASELINES, RUN_TRACKERS

    if spec in BASELINES:
        return
    if "cycletrack" in list_methods():
        get_method_class("cycletrack")  # registers its tracker loader
    kinds = " or ".join(sorted(RUN_TRACKERS)) or "cycletrack"
    need = (f"track {command} needs a {kinds} run directory or a baseline name such as "
            f"{', '.join(BASELINES)}")
    path = Path(spec)
    config_path = path / "config.yaml"
    try:
        problem = ("no such folder" if not path.exists() else
                   "it is a file" if not path.is_dir() else
                   "no config.yaml in it" if not config_path.is_file() else None)
    except OSError as error:  # a name too long, a folder that may not be read
        problem = error.strerror
    if problem is None:
        try:
            config = yaml.safe_load(config_path.read_text())
        except (yaml.YAMLError, UnicodeDecodeError, OSError) as error:
            raise ConfigError(f"{config_path} is not readable YAML "
                              f"({str(error).splitlines()[0]}); {need}") from None
        method = config.get("method") if isinstance(config, dict) else None
        if method in list_methods():
            get_method_class(method)
        if method in RUN_TRACKERS:
            return
        what = f"a {method} run" if method else "a run directory without a method"
        raise ConfigError(f"{spec} is {what}; {need}")
    raise ConfigError(f"{spec} is neither a baseline nor a run directory ({problem}); {need}")


def _check_output_folder(path: Path, flag: str) -> None:
    """``path`` is a folder, or can be created as one."""
    _check_name_lengths(path, flag)
    if path.exists() and not path.is_dir():
        raise DataError(f"{flag} {path} is a file; it must name a folder for the "
                        f"<sequence>.txt box files")
    _check_creatable(path, flag)


def _check_box_file(path: Path, flag: str) -> None:
    """``path`` can be written as one box file (not a folder, its folder creatable)."""
    _check_name_lengths(path, flag)
    if path.is_dir():
        raise DataError(f"{flag} {path} is a folder; with --init, --out names the box file "
                        f"to write (such as boxes.txt)")
    _check_creatable(path.parent, flag)


def _check_report_path(path: Path, flag: str) -> None:
    """``path`` (and the ``.md`` beside its ``.json``) can be written as files."""
    _check_name_lengths(path, flag)
    json_path = path if path.suffix == ".json" else path.with_suffix(".json")
    for target in (json_path, json_path.with_suffix(".md")):
        if target.is_dir():
            raise DataError(f"{flag} {path}: {target} is a folder; --out names the report "
                            f"file (.json, with a .md beside it)")
    _check_creatable(json_path.parent, flag)


_NAME_MAX, _PATH_MAX = 255, 4095


def _check_creatable(path: Path, flag: str) -> None:
    """``path`` exists as a writable folder or can be made one: no name too long, and the
    nearest existing folder above it is a folder and writable."""
    _check_name_lengths(path, flag)
    existing = Path(os.path.abspath(path))
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise DataError(f"{flag} {path} cannot be created: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise DataError(f"{flag} {path} cannot be created: {existing} is not writable")


def _check_name_lengths(path: Path, flag: str) -> None:
    absolute = Path(os.path.abspath(path))
    for part in absolute.parts:
        if len(os.fsencode(part)) > _NAME_MAX:
            raise DataError(f"{flag} {path}: the name {part[:24]}... has "
                            f"{len(os.fsencode(part))} bytes, more than the file system's "
                            f"{_NAME_MAX}")
    if len(os.fsencode(str(absolute))) > _PATH_MAX:
        raise DataError(f"{flag} {path}: the path is longer than the file system's "
                        f"{_PATH_MAX} bytes")
