"""The ``cyclekit`` command line.

    cyclekit demo [--methods cyclegn cyclegan] [--out DIR]
    cyclekit train CONFIG.yaml --out DIR [--set key=value ...] [--resume]
    cyclekit refine TEACHER_RUN_DIR --out DIR [--set key=value ...] [--resume]
    cyclekit eval RUN_DIR
    cyclekit translate RUN_DIR INPUTS... --direction x2y|y2x --out DIR [--device cuda]
    cyclekit predict RUN_DIR INPUTS... --out preds.csv [--device cuda]
    cyclekit list
    cyclekit track run ncc|RUN_DIR SEQUENCE_DIR... --out RESULTS_DIR [--device cuda]
    cyclekit track eval RESULTS_DIR --data SEQUENCES_DIR_OR_JSON --protocol pysot_otb
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from cyclekit import __version__
from cyclekit.config import load_config
from cyclekit.engine.inference_device import add_device_option
from cyclekit.errors import CyclekitError, CyclekitWarning, RunStopped
from cyclekit.export import add_export_parser
from cyclekit.preflight import (
    check_accelerator,
    check_config_file,
    check_output_dir,
    describe_os_error,
)
from cyclekit.registry import get_method_class, list_methods
from cyclekit.tracking.cli import add_track_parser

# Each command imports its implementation (and with it PyTorch) when it runs, so that
# ``cyclekit --help`` and a mistyped argument answer at once.

_default_formatwarning = warnings.formatwarning


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    warnings.formatwarning = _one_line_warning
    try:
        return args.handler(args)
    except RunStopped as stopped:
        print(f"cyclekit: {stopped}", file=sys.stderr)
        return 130
    except CyclekitError as error:
        print(f"cyclekit: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cyclekit: interrupted; continue a training run with --resume", file=sys.stderr)
        return 130
    except OSError as error:  # a file-system failure the checks before the work could not see

        print(f"cyclekit: error: {describe_os_error(error)}", file=sys.stderr)
        return 2


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    """cyclekit's own warnings in one line; those of other libraries as Python prints them."""
    if issubclass(category, CyclekitWarning):
        return f"cyclekit: warning: {message}\n"
    return _default_formatwarning(message, category, filename, lineno, line)


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (what was wrong, where the help is), exit 2;
    the subcommands' parsers are of this class too."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}; see '{self.prog} --help'\n")


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="cyclekit", description="Cyclic learning in PyTorch.")
    parser.add_argument("--version", action="version", version=f"cyclekit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="train on scikit-learn digits -> digits over photos")
    demo.add_argument("--methods", nargs="+", default=["cyclegn", "cyclegan"],
                      help="methods to train one after the other (default: cyclegn cyclegan)")
    demo.add_argument("--out", type=Path, default=Path("runs/demo"), help="run directory root")
    demo.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                      help="override a config value, e.g. train.steps=200 (repeatable)")
    demo.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    demo.set_defaults(handler=_demo)

    train = commands.add_parser("train", help="train an experiment from a YAML config")
    train.add_argument("config", type=Path, help="YAML preset, e.g. configs/cyclegn_digits.yaml")
    train.add_argument("--out", type=Path, required=True, help="run directory")
    train.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a config value, e.g. strategy.name=em (repeatable)")
    train.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    train.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _add_data_dir(train)
    train.set_defaults(handler=_train)

    refine = commands.add_parser("refine", help="DIRT-T refinement of a finished adaptation run "
                                 "on its unlabelled target images")
    refine.add_argument("teacher", type=Path, help="run directory of a cdlm, dann or "
                        "source_only run")
    refine.add_argument("--out", type=Path, required=True, help="run directory of the refined run")
    refine.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="override a config value, e.g. "
                        "train.steps=2000 (repeatable)")
    refine.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    refine.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _add_data_dir(refine)
    refine.set_defaults(handler=_refine)

    evaluate = commands.add_parser("eval", help="re-evaluate a finished run")
    evaluate.add_argument("run_dir", type=Path)
    _add_data_dir(evaluate)
    evaluate.set_defaults(handler=_eval)

    translate = commands.add_parser("translate", help="translate image files with a trained run")
    translate.add_argument("run_dir", type=Path, help="a run directory written by 'cyclekit train'")
    translate.add_argument("inputs", nargs="+", type=Path,
                           help="image files or folders (searched recursively)")
    translate.add_argument("--direction", required=True, choices=["x2y", "y2x"],
                           help="x2y: the run's data.x -> data.y; y2x: back")
    translate.add_argument("--out", type=Path, required=True,
                           help="folder for the PNGs (same relative names as the inputs)")
    add_device_option(translate)
    translate.set_defaults(handler=_translate)

    predict = commands.add_parser("predict", help="label target-domain images with a trained "
                                  "adaptation run (cdlm, dann, source_only, target_only, dirt_t)")
    predict.add_argument("run_dir", type=Path, help="a run directory written by 'cyclekit train'")
    predict.add_argument("inputs", nargs="+", type=Path,
                         help="image files or folders (searched recursively)")
    predict.add_argument("--out", type=Path, required=True, help="CSV: path,label,confidence")
    add_device_option(predict)
    predict.set_defaults(handler=_predict)

    listing = commands.add_parser("list", help="list methods, strategies and data domains")
    listing.set_defaults(handler=_list)


    add_track_parser(commands)
    add_export_parser(commands)
    return parser


def _add_data_dir(command: argparse.ArgumentParser) -> None:
    command.add_argument("--data-dir", type=Path, default=None, metavar="PATH",
                         help="folder of the data sets (same as --set data.data_dir=PATH; "
                              "default $CYCLEKIT_DATA; layout in docs/runs.md)")


def _with_data_dir(args) -> list[str]:
    """The command's ``--set`` overrides, plus ``data.data_dir`` when ``--data-dir`` is given."""
    return [*args.overrides, *([f"data.data_dir={args.data_dir}"] if args.data_dir else [])]


def _demo(args) -> int:
    from cyclekit.demo import demo_config, run_demo
    from cyclekit.engine.loading import family_methods, method_family

    for method in args.methods:
        family = method_family(method)
        if family != "translation":
            raise CyclekitError(f"the demo trains the translation methods "
                                f"({', '.join(family_methods('translation'))}); '{method}' is "
                                f"{f'of the {family} family' if family else 'not one'}: train it "
                                f"with 'cyclekit train CONFIG --out DIR' (presets in configs/)")
        check_output_dir(args.out / method)
        check_accelerator(demo_config(method, args.overrides).train)
    run_demo(args.methods, args.out, args.overrides, progress=not args.no_progress)
    return 0  # each method's result was printed as it finished


def _train(args) -> int:
    from cyclekit.engine.trainer import train

    check_output_dir(args.out)
    saved = args.out / "config.yaml"
    source = saved if args.resume and saved.is_file() else args.config  # resume: the run's own
    config = load_config(check_config_file(source), _with_data_dir(args))
    check_accelerator(config.train)
    metrics = train(config, args.out, resume=args.resume, progress=not args.no_progress)
    if metrics:
        print(json.dumps(metrics, indent=2, sort_keys=True))
    return 0


def _refine(args) -> int:
    from cyclekit.adaptation.refine import refine

    metrics = refine(args.teacher, args.out, _with_data_dir(args), resume=args.resume,
                     progress=not args.no_progress)
    if metrics:
        print(json.dumps(metrics, indent=2, sort_keys=True))
    return 0


def _eval(args) -> int:
    from cyclekit.engine.loading import require_run_kind
    from cyclekit.engine.trainer import evaluate_run

    require_run_kind(args.run_dir, None, "eval")
    check_output_dir(args.run_dir, option="run directory")  # eval rewrites its metrics, report
    overrides = [f"data.data_dir={args.data_dir}"] if args.data_dir else []
    metrics = evaluate_run(load_config(args.run_dir / "config.yaml", overrides), args.run_dir,
                           progress=True)
    print(json.dumps(metrics, indent=2, sort_keys=True))
    return 0


def _translate(args) -> int:
    from cyclekit.translation.translate import translate_files

    summary = translate_files(args.run_dir, args.inputs, args.direction, args.out,
                              device=args.device)
    print(f"translated {summary['count']} image(s) {summary['source_domain']} -> "
          f"{summary['target_domain']} at {summary['image_size']} px with "
          f"{summary['checkpoint']}; written to {args.out}")
    return 0


def _predict(args) -> int:
    from cyclekit.adaptation.predict import predict

    rows = predict(args.run_dir, args.inputs, args.out, device=args.device)
    print(f"labelled {len(rows)} image(s); written to {args.out}")
    return 0


def _list(args) -> int:
    from cyclekit.data.domain import list_domains

    for name in list_methods():
        cls = get_method_class(name)
        print(f"method {name}: strategies {', '.join(cls.strategies)} (default {cls.default_strategy})")
    print(f"domains: {', '.join(list_domains())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
