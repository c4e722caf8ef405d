"""``cyclekit export``: a run's inference networks as ONNX or TorchScript files.

    cyclekit export RUN_DIR --format onnx|torchscript --out FILE

What is exported, by run kind (every graph takes float32 ``NCHW`` images in [-1, 1], the
batch size free):

- translation (cyclegan, cyclegn): both generators, ``f`` (``data.x`` -> ``data.y``) and ``g``
  (back), as two files named after ``--out`` with ``.x2y`` / ``.y2x`` before its suffix
  (``gen.onnx`` -> ``gen.x2y.onnx``, ``gen.y2x.onnx``); images out in [-1, 1].
- adaptation (cdlm, dann, source_only, target_only, dirt_t): the target classifier, exactly
  what ``cyclekit predict`` applies after reading the images, so the method's own input
  normalisation (``model.input_norm``, CDLM's source-like generation) is inside the graph;
  logits out (softmax gives ``predict``'s probabilities).
- ACC: the embedder; embeddings out.
- CycleTrack: the tracker's learned network, its feature extractor (backbone times the cosine
  window) on square search crops. The rest of the tracker (crop resampling, the closed-form
  correlation filter, which is solved with FFTs, and the soft-argmax) has no learned weights
  and is not exported: PyTorch's ONNX exporter cannot write ``torch.fft`` (complex tensors).

Beside each file, ``FILE.json`` says the input's shape, dtype, range and the preprocessing
that gives it, the output's meaning, and the run, checkpoint and versions. Files are written
atomically: on any error nothing is left half-written. Latent-variable runs (sjmvi, vae, avb)
are not exported.

This module is imported when the command line is built: PyTorch is imported inside the
functions only.
"""

from __future__ import annotations

import json
import os
import warnings
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cyclekit.errors import CyclekitError, OutputPathError, RunKindError

FORMATS = {"onnx": ".onnx", "torchscript": ".pt"}
OPSET = 17
EXPORTABLE = "cyclegan, cyclegn, cdlm, dann, source_only, target_only, dirt_t, acc, cycletrack"


@dataclass
class Network:
    """One network to export: ``module(images) -> output`` and what the sidecar says."""

    name: str
    module: Any
    example: Any
    input: dict
    output: dict
    about: dict = field(default_factory=dict)


def add_export_parser(commands) -> None:
    """The ``export`` subcommand on the command line's subparsers."""
    export = commands.add_parser(
        "export", help="export a run's inference networks to ONNX or TorchScript",
        description="Write a run's inference networks (translation: both generators; "
                    "adaptation: the target classifier; ACC: the embedder; CycleTrack: the "
                    "tracker's feature network) with a JSON sidecar FILE.json of input shape, "
                    "range and meaning.")
    export.add_argument("run_dir", type=Path, help="a run directory written by 'cyclekit train'")
    export.add_argument("--format", default="onnx", metavar="onnx|torchscript",
                        help="onnx (default; needs `pip install cyclekit[export]`) or "
                             "torchscript")
    export.add_argument("--out", type=Path, required=True,
                        help="output file; a translation run writes FILE's name with .x2y and "
                             ".y2x before its suffix")
    export.set_defaults(handler=_export_command)


def _export_command(args) -> int:
    written = export_run(args.run_dir, args.format, args.out)
    for path in written:
        print(f"wrote {path} (and {sidecar_path(path).name})")
    return 0


def output_paths(out: str | Path, names: list[str], fmt: str) -> list[Path]:
    """The file of each network: ``out`` for one, ``out`` with ``.NAME`` before its suffix
    for several; ``out`` without a suffix gets the format's (``.onnx``, ``.pt``)."""
    out = Path(out)
    if not out.suffix:
        out = out.with_name(out.name + FORMATS[fmt])
    if len(names) == 1:
        return [out]
    return [out.with_name(f"{out.stem}.{name}{out.suffix}") for name in names]


def sidecar_path(path: Path) -> Path:
    """``FILE.json`` beside ``FILE``."""
    return path.with_name(path.name + ".json")


def export_run(run_dir: str | Path, fmt: str, out: str | Path) -> list[Path]:
    """Export the inference networks of the run in ``run_dir`` as ``fmt`` (``onnx`` or
    ``torchscript``) to ``out`` (see the module docstring); return the written files."""
    if fmt not in FORMATS:
        raise CyclekitError(f"unknown export format {fmt!r}; choose onnx or torchscript")
    _check_writable(Path(out))
    if fmt == "onnx":
        try:
            import onnx  # noqa: F401  (torch's exporter writes through it)
        except ImportError:
            raise CyclekitError("ONNX export needs the onnx package: pip install "
                                "'cyclekit[export]' (or pip install onnx onnxruntime)") from None
    from cyclekit.engine.loading import load_trained_method, selected_checkpoint

    run_dir = Path(run_dir)
    if not (run_dir / "config.yaml").is_file():
        raise CyclekitError(f"'{run_dir}' is not a run directory (no config.yaml in it); give "
                            f"a folder written by 'cyclekit train'")
    _check_kind(run_dir)
    config, method = load_trained_method(run_dir, "cpu")
    networks = inference_networks(config, method)
    paths = output_paths(out, [network.name for network in networks], fmt)
    common = {"run": str(run_dir), "method": config.method,
              "checkpoint": str(selected_checkpoint(config, run_dir / "checkpoints")),
              "fingerprint": config.fingerprint(), **_versions()}
    with ExitStack() as stack:  # every file is renamed into place only when all are written
        from cyclekit.atomic import atomic_output

        for network, path in zip(networks, paths):
            tmp = stack.enter_context(atomic_output(path))
            _write(network, fmt, tmp)
            side = stack.enter_context(atomic_output(sidecar_path(path)))
            about = {"file": path.name, "format": fmt, "network": network.name,
                     **network.about, "input": network.input, "output": network.output,
                     **common}
            if fmt == "onnx":
                about["opset"] = OPSET
            side.write_text(json.dumps(about, indent=2) + "\n")
    return paths


def inference_networks(config, method) -> list[Network]:
    """The networks ``export`` writes for the method's kind (eval mode, on the CPU)."""
    import torch

    data, kind = config.data, _kind(type(method))
    if kind == "adaptation":
        shape = ["N", data.channels, data.image_size, data.image_size]
        framed = _framed(data.target)
        return [Network(
            "classifier", _module(method.classify, method), torch.zeros(2, *shape[1:]),
            _image_input(shape, "the target-domain images as `cyclekit predict` prepares them"
                         + (": each file read as grey (ink bright), framed like MNIST (digit "
                            "fitted in 20 x 20, centred by mass in 28 x 28), " if framed else
                            ": brought to the channels (grey repeated to RGB, RGB to grey by "
                            "BT.601 luma), ")
                         + f"resized (bilinear, antialiased) to {data.image_size} px, scaled "
                           f"from [0, 1] by x * 2 - 1"),
            {"name": "logits", "shape": ["N", data.num_classes], "dtype": "float32",
             "meaning": "class logits of the method's target classifier; softmax gives the "
                        "probabilities, argmax the label `cyclekit predict` writes"},
            {"source_domain": data.source, "target_domain": data.target,
             "normalisation_inside": _normalisation_inside(config)})]
    if kind == "tracking":
        tracker = method.tracker
        size = tracker.crop_size
        return [Network(
            "features", _module(tracker.features, tracker), torch.zeros(2, 3, size, size),
            _image_input(["N", 3, size, size],
                         f"RGB search crops of the frame around the target: a square window "
                         f"of (1 + {tracker.padding}) times the box, resampled to {size} px "
                         f"(bilinear), pixels / 127.5 - 1"),
            {"name": "features", "shape": ["N", tracker.backbone.out_channels, size, size],
             "dtype": "float32",
             "meaning": "backbone features times the cosine window: the template and search "
                        "features of the correlation filter"},
            {"not_exported": "crop resampling, the correlation filter (closed form, solved "
                             "with FFTs, which PyTorch's ONNX exporter cannot write) and the "
                             "soft-argmax box; they have no learned weights",
             "filter_lambda": tracker.filter_lambda,
             "model": {key: getattr(config.model, key) for key in
                       ("crop_size", "padding", "label_sigma", "scale_step", "aspect_step",
                        "scale_penalty")}})]
    if kind == "ACC":
        size = 28 if data.dataset == "mnist" else data.image_size
        dim = method.config.model.embedding_dim
        return [Network(
            "embedder", method.embedder, torch.zeros(2, 1, size, size),
            _image_input(["N", 1, size, size], f"grey images at {size} px, x * 2 - 1 from "
                                                f"[0, 1]"),
            {"name": "embeddings", "shape": ["N", dim], "dtype": "float32",
             "meaning": "the ACC embedding of each image (compare by the run's "
                        f"model.similarity, {config.model.similarity})"},
            {"dataset": data.dataset})]
    if kind == "translation":
        shape = ["N", data.channels, data.image_size, data.image_size]
        prep = (f"images as `cyclekit translate` prepares them: brought to {data.channels} "
                f"channel(s) (alpha composited over black), resized (bilinear, antialiased) "
                f"to {data.image_size} px, x * 2 - 1 from [0, 1]")
        out_meaning = "translated images in [-1, 1]: (y + 1) * 127.5 gives 8-bit pixels"
        return [Network(name, generator, torch.zeros(2, *shape[1:]), _image_input(shape, prep),
                        {"name": "images_out", "shape": shape, "dtype": "float32",
                         "range": [-1, 1], "meaning": out_meaning},
                        {"direction": name, "source_domain": source, "target_domain": target})
                for name, generator, source, target in (
                    ("x2y", method.f, data.x, data.y), ("y2x", method.g, data.y, data.x))]
    raise RunKindError(f"export does not apply to a '{config.method}' run; it exports runs of "
                       f"{EXPORTABLE}")


def _kind(method_class) -> str | None:
    """``translation``, ``adaptation``, ``tracking`` or ``ACC``: what export writes for runs
    of ``method_class``; None when it exports nothing for them."""
    from cyclekit.adaptation.method import UDAMethod

    if issubclass(method_class, UDAMethod):
        return "adaptation"
    if hasattr(method_class, "online_tracker"):
        return "tracking"
    if hasattr(method_class, "build_embedder"):
        return "ACC"
    from cyclekit.translation.method import ImageTranslation

    return "translation" if issubclass(method_class, ImageTranslation) else None


def _check_kind(run_dir: Path) -> None:
    """Refuse a run that export does not apply to before reading its checkpoint."""
    from cyclekit.config import load_config
    from cyclekit.registry import get_method_class

    method = load_config(run_dir / "config.yaml").method
    if _kind(get_method_class(method)) is None:
        raise RunKindError(f"export does not apply to '{run_dir}', a '{method}' run; it exports "
                           f"runs of {EXPORTABLE}")


def _image_input(shape: list, preprocessing: str) -> dict:
    return {"name": "images", "shape": shape, "dtype": "float32", "layout": "NCHW",
            "range": [-1, 1], "preprocessing": preprocessing}


def _framed(domain: str) -> bool:
    from cyclekit.data.domain import MNIST_FRAMED_DOMAINS

    return domain in MNIST_FRAMED_DOMAINS


def _normalisation_inside(config) -> str:
    if config.method == "dirt_t":
        return "the refined student of model.teacher, with that run's input normalisation"
    norm = getattr(config.model, "input_norm", "none")
    if config.method == "cdlm":
        return f"input_norm={norm}; CDLM's encoder, source-like decoder and classifier"
    return f"input_norm={norm}" + (" (each image's channels standardised)"
                                   if norm == "instance" else "")


def _module(forward, owner):
    """``forward`` (a bound method of the module ``owner``: the classifier's ``classify``, the
    tracker's ``features``) as a module of its own, ``owner`` its submodule, for the tracer."""
    from torch import nn

    class Network(nn.Module):
        def __init__(self):
            super().__init__()
            self.owner = owner

        def forward(self, images):
            return forward(images)

    return Network()


def _write(network: Network, fmt: str, path: Path) -> None:
    import torch

    module = network.module.eval()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the exporters' deprecation and tracer notes
        if fmt == "onnx":
            names = [network.input["name"]], [network.output["name"]]
            torch.onnx.export(module, (network.example,), str(path), dynamo=False,
                              input_names=names[0], output_names=names[1],
                              dynamic_axes={names[0][0]: {0: "N"}, names[1][0]: {0: "N"}},
                              opset_version=OPSET)
        else:
            traced = torch.jit.trace(module, network.example)
            torch.jit.save(traced, str(path))


def _check_writable(out: Path) -> None:
    if out.is_dir():
        raise OutputPathError(f"--out '{out}' is a directory; name a file, e.g. {out / 'model.onnx'}")
    parent = out.parent
    for above in (parent, *parent.parents):
        if above.exists():
            if not above.is_dir():
                raise OutputPathError(f"--out '{out}': '{above}' is a file, not a directory")
            if not os.access(above, os.W_OK | os.X_OK):
                raise OutputPathError(f"--out '{out}': directory '{above}' is not writable")
            break


def _versions() -> dict:
    import torch

    from cyclekit import __version__

    return {"cyclekit_version": __version__, "torch_version": torch.__version__}

