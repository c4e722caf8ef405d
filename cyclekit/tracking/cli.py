"""``cyclekit track run`` and ``cyclekit track eval``: the one-pass protocol from the shell.

    cyclekit track run ncc|RUN_DIR SEQUENCE_DIR... --out RESULTS_DIR [--device cuda]
    cyclekit track eval RESULTS_DIR --data SEQUENCES_DIR_OR_JSON --protocol pysot_otb [--out FILE]
    cyclekit track tre ncc|RUN_DIR SEQUENCE_DIR... --protocol pysot_otb --out FILE [--segments 20]
"""

from __future__ import annotations

import json
from pathlib import Path

from cyclekit.engine.inference_device import add_device_option, inference_device
from cyclekit.errors import DataError
from cyclekit.tracking.protocols import PROTOCOLS, get_protocol
from cyclekit.tracking.sequences.discover import discover_sequences
from cyclekit.tracking.sequences.vot import VOT_CONVERSIONS

# The commands import the trackers, the runner and the evaluation (and with them PyTorch)
# when they run, so that ``cyclekit --help`` answers at once.


def add_track_parser(commands) -> None:
    """Register ``track run`` / ``track eval`` on the top-level subparsers."""
    track = commands.add_parser("track", help="run trackers one-pass and score their boxes")
    actions = track.add_subparsers(dest="track_command", required=True)

    run = actions.add_parser("run", help="run a tracker over sequences, write <name>.txt boxes")
    run.add_argument("tracker", help="baseline name (ncc) or a trained run directory")
    run.add_argument("sequences", nargs="+", type=Path,
                     help="sequence folders, folders of sequences, or pysot dataset JSON files")
    run.add_argument("--out", type=Path, required=True, help="results folder")
    run.add_argument("--vot-boxes", choices=VOT_CONVERSIONS, default="pysot",
                     help="rotated VOT rectangle -> axis-aligned box (default pysot)")
    run.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
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
    tre.add_argument("--vot-boxes", choices=VOT_CONVERSIONS, default="pysot",
                     help="rotated VOT rectangle -> axis-aligned box (default pysot)")
    tre.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    add_device_option(tre, note="; baselines run on the CPU")
    tre.set_defaults(handler=_tre)


def _sequences(paths: list[Path], vot_boxes: str):
    sequences = [s for path in paths for s in discover_sequences(path, vot_boxes)]
    names = [s.name for s in sequences]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DataError(f"sequence names {repeated} given more than once")
    return sequences


def _run(args) -> int:
    import torch

    from cyclekit.tracking.runner import run_tracker
    from cyclekit.tracking.trackers import tracker_factory

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    factory = tracker_factory(args.tracker, inference_device(args.device))
    sequences = _sequences(args.sequences, args.vot_boxes)

    def report(result) -> None:
        print(f"{result.name}: {len(result.boxes)} frames, {result.fps:.1f} fps "
              f"({result.fps_with_decoding:.1f} fps with decoding)", flush=True)

    summary = run_tracker(factory, sequences, args.out, progress=report)
    print(f"{summary['tracker']}: {summary['fps']:.1f} fps over {len(sequences)} sequences "
          f"(decoding excluded; {summary['fps_with_decoding']:.1f} fps with it); "
          f"boxes in {args.out}")
    return 0


def _eval(args) -> int:
    from cyclekit.tracking.evaluate import (
        evaluate_results,
        markdown_table,
        write_report,
    )

    get_protocol(args.protocol)  # unknown names fail before any file is read
    report = evaluate_results(args.results, _sequences([args.data], args.vot_boxes),
                              args.protocol)
    out = args.out or args.results / f"metrics_{args.protocol}.json"
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
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    factory = tracker_factory(args.tracker, inference_device(args.device))
    sequences = _sequences(args.sequences, args.vot_boxes)

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
