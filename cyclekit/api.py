"""The Python API: a trained run as an object, and training from Python.

    model = cyclekit.load("runs/cyclegan")           # any run directory, or "ncc"
    photos = model.translate(images, direction="x2y")
    labels, probabilities, confidence = cyclekit.load("runs/cdlm").predict(images)

:func:`load` returns the object for the run's kind: :class:`TranslationRun` (``translate``),
:class:`AdaptationRun` (``predict``), :class:`EmbeddingRun` (ACC: ``embed``),
:class:`TrackingRun` (``track``; also the ``ncc`` baseline) or :class:`LatentRun` (SJMVI, VAE,
AVB: ``encode`` / ``decode``). Every object has every method; one that does not apply to the
run raises a :class:`~cyclekit.errors.RunKindError` naming those that do.

Images may be given as PIL images, numpy arrays (``HW`` or ``HWC`` single images, ``NHWC``
batches; uint8 or float in [0, 1]), torch tensors (``CHW`` or ``NCHW`` in [-1, 1], the model's
own range), image file paths, or a list of any of these (sizes may differ). They are brought to
the run's channels and square size by the same functions as the command for that task
(``cyclekit translate``: :mod:`cyclekit.translation.translate`; ``cyclekit predict``:
:mod:`cyclekit.adaptation.predict`, MNIST framing included), so a file gives the same result
here as on the command line. A single image gives a single result, a batch a batch.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from PIL import Image

import cyclekit.adaptation.evaluation as uda_eval
import cyclekit.adaptation.predict as predict_command
import cyclekit.translation.translate as translate_command
from cyclekit.adaptation.method import UDAMethod
from cyclekit.config import ExperimentConfig, build_config, load_config
from cyclekit.data.domain import MNIST_FRAMED_DOMAINS
from cyclekit.data.mnist_framing import frame_like_mnist
from cyclekit.data.transforms import convert_channels, to_model_images, to_unit_tensor
from cyclekit.engine.inference_device import inference_device
from cyclekit.engine.loading import load_trained_method
from cyclekit.errors import ConfigError, CyclekitError, DataError, RunKindError
from cyclekit.preflight import check_accelerator, check_output_dir
from cyclekit.tracking.trackers import BASELINES
from cyclekit.translation.method import ImageTranslation

__all__ = ["AdaptationRun", "EmbeddingRun", "LatentRun", "LoadedRun", "Prediction",
           "TrackingRun", "TranslationRun", "load", "train"]


class Prediction(NamedTuple):
    """What :meth:`AdaptationRun.predict` returns: ``labels`` (int64 ``(N,)``, or a Python
    int for one image), softmax ``probabilities`` (float32 ``(N, classes)`` or
    ``(classes,)``) and ``confidence``, the probability of each label (what ``cyclekit
    predict`` writes)."""

    labels: Any
    probabilities: np.ndarray
    confidence: Any


class _Images(NamedTuple):
    """Inputs as model images, and how to give the results back in the inputs' own form."""

    tensor: torch.Tensor          # (N, C, S, S) in [-1, 1]
    kinds: list[str]              # per image: "pil", "uint8", "float" or "tensor"
    sizes: list[tuple[int, int]]  # per image: its (H, W)
    layouts: list[str]            # per numpy image: "HW" or "HWC"
    devices: list                 # per tensor image: its device (None otherwise)
    single: bool                  # one image given (not a batch, not a list)
    batch_kind: str | None        # "NHWC" or "NCHW" when one batch array / tensor was given


class LoadedRun:
    """A finished run loaded for inference (see :func:`load`).

    Attributes: ``run_dir``, ``config`` (its :class:`~cyclekit.config.ExperimentConfig`),
    ``method`` (the trained :class:`~cyclekit.engine.method.Method`, in eval mode), ``device``
    and ``tasks`` (the methods of this object that apply to the run).
    """

    tasks: tuple[str, ...] = ()
    kind = "run"

    def __init__(self, run_dir, config: ExperimentConfig | None, method, device: torch.device):
        self.run_dir, self.config, self.method, self.device = run_dir, config, method, device

    def __repr__(self) -> str:
        method = self.config.method if self.config is not None else str(self.run_dir)
        return (f"{type(self).__name__}(run_dir={str(self.run_dir)!r}, method={method!r}, "
                f"device={str(self.device)!r}, tasks={list(self.tasks)})")

    def _unsupported(self, task: str) -> RunKindError:
        method = self.config.method if self.config is not None else str(self.run_dir)
        does = ", ".join(f"{name}()" for name in self.tasks) or "none of them"
        return RunKindError(f"{task}() does not apply to run '{self.run_dir}' ({self.kind} "
                            f"method '{method}'); it supports {does}")

    def translate(self, images, direction: str = "x2y"):
        """Translate images X -> Y (``x2y``) or Y -> X (``y2x``); translation runs."""
        raise self._unsupported("translate")

    def predict(self, images) -> Prediction:
        """Labels and class probabilities of target-domain images; adaptation runs."""
        raise self._unsupported("predict")

    def embed(self, images) -> np.ndarray:
        """Embeddings of images; ACC runs."""
        raise self._unsupported("embed")

    def track(self, frames, init_box) -> np.ndarray:
        """Boxes of the target through ``frames``; CycleTrack runs and ``ncc``."""
        raise self._unsupported("track")

    def encode(self, images) -> np.ndarray:
        """Posterior means of the latent code; latent-variable runs."""
        raise self._unsupported("encode")

    def decode(self, codes) -> np.ndarray:
        """Decoder means (images in [-1, 1]) of latent codes; latent-variable runs."""
        raise self._unsupported("decode")

    # -- inputs ------------------------------------------------------------------------------

    def _image_size(self) -> tuple[int, int]:
        return self.config.data.image_size, self.config.data.channels

    def _read_file(self, path: Path, channels: int) -> np.ndarray:
        """``(1, C, H, W)`` pixels of an image file, read as ``cyclekit translate`` reads it."""
        return translate_command.read_image(path, channels)[None]

    def _prepare(self, images) -> _Images:
        size, channels = self._image_size()
        batch_kind = None
        if isinstance(images, np.ndarray) and _is_numpy_batch(images):
            batch_kind, images = "NHWC", list(images)
        elif isinstance(images, torch.Tensor) and images.dim() == 4:
            batch_kind, images = "NCHW", list(images)
        single = batch_kind is None and not isinstance(images, (list, tuple))
        items = [images] if single else list(images)
        if not items:
            raise DataError("no images given")
        tensors, kinds, layouts = [], [], []
        for item in items:
            tensor, kind, layout = self._one(item, size, channels)
            tensors.append(tensor.to(self.device))
            kinds.append(kind)
            layouts.append(layout)
        devices = [item.device if isinstance(item, torch.Tensor) else None for item in items]
        return _Images(torch.cat(tensors), kinds, [_size_of(item) for item in items], layouts,
                       devices, single, batch_kind)

    def _one(self, item, size: int, channels: int) -> tuple[torch.Tensor, str, str]:
        """One image as a ``(1, C, S, S)`` model tensor in [-1, 1], its kind and layout."""
        if isinstance(item, (str, Path)):
            return to_model_images(self._read_file(Path(item), channels), size, channels), \
                "pil", ""
        if isinstance(item, Image.Image):
            return to_model_images(translate_command.to_channels(item, channels)[None], size, channels), "pil", ""
        if isinstance(item, np.ndarray):
            pixels, layout = _numpy_to_nchw(item)
            kind = "uint8" if pixels.dtype == np.uint8 else "float"
            return to_model_images(pixels, size, channels), kind, layout
        if isinstance(item, torch.Tensor):
            _check_tensor_image(item)
            if tuple(item.shape) == (channels, size, size):
                return item[None].float(), "tensor", "CHW"
            unit = ((item.detach().float().cpu() + 1) / 2).clamp(0, 1).numpy()[None]
            return to_model_images(unit, size, channels), "tensor", "CHW"
        raise DataError(f"cannot read an image from a {type(item).__name__}; give PIL images, "
                        f"numpy arrays (HWC, uint8 or float in [0, 1]), tensors (NCHW in "
                        f"[-1, 1]) or image file paths")

    def _forward(self, function: Callable[[torch.Tensor], torch.Tensor], inputs: torch.Tensor,
                 batch: int = 64) -> torch.Tensor:
        """``function`` over ``inputs`` in batches on the run's device, without gradients."""
        with torch.no_grad():
            return torch.cat([function(inputs[i:i + batch].to(self.device))
                              for i in range(0, len(inputs), batch)])


class TranslationRun(LoadedRun):
    """A CycleGAN or CycleGN run: ``translate(images, direction="x2y"|"y2x")``."""

    tasks = ("translate",)
    kind = "translation"

    def translate(self, images, direction: str = "x2y"):
        """Images translated by ``f`` (``x2y``: the run's ``data.x`` -> ``data.y``) or ``g``
        (``y2x``), each brought back to its own size (as ``cyclekit translate`` does) and in
        its own form: PIL (or a file path) -> PIL, uint8 / float numpy -> the same layout and
        dtype, tensor -> tensor in [-1, 1] on the input's device; a list gives a list. The
        channels are the run's (a grey ``HW`` array into an RGB run gives ``HWC``)."""
        if direction not in translate_command.DIRECTIONS:
            raise ConfigError(f"unknown direction {direction!r}; choose one of "
                              f"{', '.join(translate_command.DIRECTIONS)}")
        prepared = self._prepare(images)
        mapping = self.method.map_xy if direction == "x2y" else self.method.map_yx
        outputs = self._forward(mapping, prepared.tensor).float().cpu()
        results = [_from_model(translate_command.restore_size(output, size), kind, layout, device)
                   for output, kind, size, layout, device in zip(
                       outputs, prepared.kinds, prepared.sizes, prepared.layouts,
                       prepared.devices)]
        if prepared.single:
            return results[0]
        if prepared.batch_kind == "NCHW":
            return torch.stack(results)
        if prepared.batch_kind == "NHWC":
            return np.stack(results)
        return results


class AdaptationRun(LoadedRun):
    """A CDLM, DANN, source-only, target-only or DIRT-T run: ``predict(images)``."""

    tasks = ("predict",)
    kind = "adaptation"

    def _read_file(self, path: Path, channels: int) -> np.ndarray:
        """Pixels of an image file, read as ``cyclekit predict`` reads it."""
        return predict_command.read_image(path, channels)

    def _one(self, item, size: int, channels: int):
        if self.config.data.target not in MNIST_FRAMED_DOMAINS or isinstance(item, torch.Tensor):
            return super()._one(item, size, channels)
        # A target framed like MNIST: each image is framed first (grey, ink bright, fitted in
        # a 20 px box), as `cyclekit predict` does; tensors are taken as framed already.

        if isinstance(item, (str, Path)):
            return predict_command.load_images([Path(item)], size, channels, frame_like_mnist_first=True), \
                "pil", ""
        if isinstance(item, Image.Image):
            grey = translate_command.to_channels(item, 1)[None]
        elif isinstance(item, np.ndarray):
            grey = convert_channels(to_unit_tensor(_numpy_to_nchw(item)[0]), 1).numpy()
        else:
            return super()._one(item, size, channels)
        return to_model_images(frame_like_mnist(grey), size, channels), "float", ""

    def predict(self, images) -> Prediction:
        """Labels and softmax probabilities of the run's target classifier (the numbers
        ``cyclekit predict`` writes for the same files)."""
        prepared = self._prepare(images)
        probabilities = uda_eval.apply(lambda x: self.method.classify(x).softmax(dim=1),
                                       prepared.tensor, self.method, self.device)
        confidence, labels = probabilities.max(dim=1)
        probabilities = probabilities.float().numpy()
        if prepared.single:
            return Prediction(int(labels[0]), probabilities[0], float(confidence[0]))
        return Prediction(labels.numpy().astype(np.int64), probabilities,
                          confidence.float().numpy())


class EmbeddingRun(LoadedRun):
    """An ACC run: ``embed(images)``."""

    tasks = ("embed",)
    kind = "ACC"

    def _image_size(self) -> tuple[int, int]:
        return (28 if self.config.data.dataset == "mnist" else self.config.data.image_size), 1

    def embed(self, images) -> np.ndarray:
        """The trained embedder's vectors of images (made grey and resized to the run's size),
        float32 ``(N, embedding_dim)``; ``(embedding_dim,)`` for one image."""
        prepared = self._prepare(images)
        vectors = self._forward(self.method.embedder, prepared.tensor).float().cpu().numpy()
        return vectors[0] if prepared.single else vectors


class LatentRun(LoadedRun):
    """An SJMVI, VAE or AVB run: ``encode(images)`` (posterior means) and ``decode(codes)``
    (decoder means)."""

    tasks = ("encode", "decode")
    kind = "latent-variable"

    def encode(self, images) -> np.ndarray:
        """Means of q(z|x), float32 ``(N, latent_dim)``; ``(latent_dim,)`` for one image. AVB's
        implicit posterior gives a Monte Carlo mean (a fixed set of noise draws, so the same
        image always gets the same code)."""
        prepared = self._prepare(images)
        codes = self._forward(self.method.encode_mean, prepared.tensor).float().cpu().numpy()
        return codes[0] if prepared.single else codes

    def decode(self, codes) -> np.ndarray:
        """Means of p(x|z) of codes ``(N, latent_dim)`` (or one ``(latent_dim,)``): float32
        images ``(N, C, S, S)`` in [-1, 1]."""
        array = torch.as_tensor(np.asarray(codes, dtype=np.float32))
        expected = self.method.latent_shape[0]
        if array.dim() not in (1, 2) or array.shape[-1] != expected:
            raise DataError(f"codes must be (N, {expected}) or ({expected},), got "
                            f"{tuple(array.shape)}")
        images = self._forward(self.method.decode_mean, array.reshape(-1, expected))
        images = images.float().cpu().numpy()
        return images[0] if array.dim() == 1 else images


class TrackingRun(LoadedRun):
    """A CycleTrack run, or the ``ncc`` baseline: ``track(frames, init_box)``."""

    tasks = ("track",)
    kind = "tracking"

    def __init__(self, run_dir, config, method, device, factory):
        super().__init__(run_dir, config, method, device)
        self.factory = factory

    def track(self, frames, init_box) -> np.ndarray:
        """Boxes ``(T, 4)`` float64 ``x, y, w, h`` (0-based pixels) of the target through
        ``frames``: the first is ``init_box``, each other one what a fresh tracker's
        ``update`` gives for its frame (as ``cyclekit track run`` writes them). ``frames``: a
        sequence of ``(H, W, 3)`` uint8 RGB arrays or PIL images, a ``(T, H, W, 3)`` uint8
        array, or a ``(T, 3, H, W)`` tensor in [-1, 1]; at least two."""
        frames = [_rgb_frame(frame) for frame in _frame_list(frames)]
        if len(frames) < 2:
            raise DataError(f"track() needs at least two frames, got {len(frames)}")
        shapes = {frame.shape for frame in frames}
        if len(shapes) > 1:
            raise DataError(f"frames differ in size: {sorted(shapes)}")
        box = np.asarray(init_box, dtype=np.float64).reshape(-1)
        height, width = frames[0].shape[:2]
        if box.shape != (4,) or not (box[2] > 0 and box[3] > 0):
            raise DataError(f"init_box must be x, y, w, h with w, h > 0, got {init_box!r}")
        if box[0] >= width or box[1] >= height or box[0] + box[2] <= 0 or box[1] + box[3] <= 0:
            raise DataError(f"init_box {box.tolist()} lies outside the {width}x{height} frame")
        tracker = self.factory()
        with torch.no_grad():
            tracker.init(frames[0], box)
            boxes = [box] + [np.asarray(tracker.update(frame), dtype=np.float64)
                             for frame in frames[1:]]
        return np.stack(boxes)


def load(run_dir: str | Path, device: str | torch.device = "cpu",
         checkpoint: str | Path | None = None) -> LoadedRun:
    """A finished run (a directory written by ``cyclekit train``), or the tracking baseline
    ``"ncc"``, as an object for its kind, its networks on ``device`` (``cpu``, ``cuda``,
    ``cuda:N`` or ``auto``), with the weights its ``eval.checkpoint`` rule selects (or those of
    ``checkpoint``, a folder under the run's ``checkpoints/``)."""
    device = inference_device(str(device))
    if str(run_dir) in BASELINES and not Path(run_dir).is_dir():
        return TrackingRun(str(run_dir), None, None, torch.device("cpu"),
                           BASELINES[str(run_dir)])
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise CyclekitError(f"run directory '{run_dir}' does not exist; train one with "
                            f"cyclekit.train(CONFIG, out=DIR) or `cyclekit train CONFIG --out "
                            f"DIR`")
    config, method = load_trained_method(run_dir, device, checkpoint)
    return _wrap(run_dir, config, method, device)


def _wrap(run_dir: Path, config: ExperimentConfig, method, device: torch.device) -> LoadedRun:
    if isinstance(method, UDAMethod):
        return AdaptationRun(run_dir, config, method, device)
    if hasattr(method, "online_tracker"):
        return TrackingRun(run_dir, config, method, device, method.online_tracker)
    if hasattr(method, "embedder"):
        return EmbeddingRun(run_dir, config, method, device)
    if hasattr(method, "decode_mean"):
        return LatentRun(run_dir, config, method, device)

    if isinstance(method, ImageTranslation):
        return TranslationRun(run_dir, config, method, device)
    return LoadedRun(run_dir, config, method, device)


def train(config_or_path: str | Path | dict | ExperimentConfig, out: str | Path, *,
          resume: bool = False, progress: bool = True, **overrides) -> dict[str, float]:
    """Train a run into ``out`` and return its test metrics (those ``cyclekit train`` prints).

    ``config_or_path``: a YAML preset's path, a mapping like a preset's, or an
    :class:`~cyclekit.config.ExperimentConfig`. ``overrides``: config values as keyword
    arguments, section and key joined by a double underscore, e.g. ``train__steps=200``,
    ``data__x="digits"``, ``strategy__name="em"`` (``--set train.steps=200`` on the command
    line); top-level keys (``seed``) as they are. ``resume=True`` continues ``out`` from its
    last checkpoint with the run's own config (plus ``overrides``, e.g. more steps), as
    ``cyclekit train --resume`` does.
    """
    from cyclekit.engine.trainer import train as train_run

    out = Path(out)
    items = [_override(key, value) for key, value in overrides.items()]
    saved = out / "config.yaml"
    if resume and saved.is_file():
        config = load_config(saved, items)
    elif isinstance(config_or_path, ExperimentConfig):
        config = build_config(config_or_path.to_dict(), items)
    elif isinstance(config_or_path, dict):
        config = build_config(config_or_path, items)
    elif isinstance(config_or_path, (str, Path)):
        config = load_config(config_or_path, items)
    else:
        raise ConfigError(f"train() takes a YAML path, a mapping or an ExperimentConfig, not "
                          f"a {type(config_or_path).__name__}")
    check_output_dir(out)
    check_accelerator(config.train)
    return train_run(config, out, resume=resume, progress=progress)


def _override(key: str, value: Any) -> str:
    """``train__steps=200`` as the command line's ``train.steps=200``."""
    if "__" not in key and key not in ("method", "seed", "strategy"):
        raise ConfigError(f"override {key}={value!r}: join the section and the key by a "
                          f"double underscore, e.g. train__steps=200")
    if isinstance(value, Path):
        value = str(value)
    try:
        text = json.dumps(value)  # JSON is YAML: the config's own parser reads it back
    except TypeError:
        raise ConfigError(f"override {key}: {value!r} is not a plain value (number, string, "
                          f"bool, None, list or dict)") from None
    return f"{key.replace('__', '.')}={text}"


# -- inputs and outputs ------------------------------------------------------------------------

def _is_numpy_batch(array: np.ndarray) -> bool:
    """``NHWC`` (4 dims), or ``NHW`` grey (3 dims, the last not 1, 3 or 4 channels)."""
    return array.ndim == 4 or (array.ndim == 3 and array.shape[-1] not in (1, 3, 4))


def _numpy_to_nchw(array: np.ndarray) -> tuple[np.ndarray, str]:
    """A ``HW`` / ``HWC`` image as ``(1, C, H, W)`` (alpha dropped), and its layout."""
    if array.dtype != np.uint8 and not np.issubdtype(array.dtype, np.floating):
        raise DataError(f"numpy images must be uint8 (0-255) or float in [0, 1], got "
                        f"{array.dtype}")
    if array.ndim == 2:
        return np.ascontiguousarray(array[None, None]), "HW"
    if array.ndim == 3 and array.shape[-1] in (1, 3, 4):
        return np.ascontiguousarray(array[..., :3].transpose(2, 0, 1)[None]), "HWC"
    raise DataError(f"a numpy image must be (H, W), (H, W, 1|3|4) or a batch (N, H, W, C), "
                    f"got shape {array.shape}")


def _check_tensor_image(item: torch.Tensor) -> None:
    if item.dim() != 3 or item.shape[0] not in (1, 3):
        raise DataError(f"a tensor image must be (C, H, W) or a batch (N, C, H, W) with C = 1 "
                        f"or 3, got shape {tuple(item.shape)}")
    if not item.is_floating_point():
        raise DataError(f"tensor images must be float in [-1, 1], got {item.dtype}")
    if item.numel() and (item.min() < -1 or item.max() > 1):
        raise DataError(f"tensor images must lie in [-1, 1] (the model's range), got "
                        f"[{float(item.min()):.3g}, {float(item.max()):.3g}]")


def _size_of(item) -> tuple[int, int]:
    if isinstance(item, (str, Path)):
        with Image.open(item) as image:
            return image.height, image.width
    if isinstance(item, Image.Image):
        return item.height, item.width
    if isinstance(item, torch.Tensor):
        return tuple(item.shape[-2:])
    return tuple(item.shape[:2])


def _from_model(image: torch.Tensor, kind: str, layout: str, device):
    """A ``(C, H, W)`` model image in [-1, 1] in the form its input had."""
    if kind == "tensor":
        return image.to(device)
    unit = ((image.clamp(-1, 1) + 1) / 2).permute(1, 2, 0).numpy()
    if kind in ("pil", "uint8"):
        # 8 bits as `cyclekit translate` writes its PNGs: (x + 1) * 127.5, rounded
        pixels = ((image.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
        pixels = pixels.permute(1, 2, 0).numpy()
        if kind == "pil":
            return Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)
        unit = pixels
    return unit[..., 0] if layout == "HW" and unit.shape[-1] == 1 else unit


def _frame_list(frames) -> list:
    if isinstance(frames, torch.Tensor):
        if frames.dim() != 4 or frames.shape[1] != 3:
            raise DataError(f"frame tensors must be (T, 3, H, W) in [-1, 1], got "
                            f"{tuple(frames.shape)}")
        pixels = ((frames.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round()
        return list(pixels.to(torch.uint8).permute(0, 2, 3, 1).numpy())
    if isinstance(frames, (str, Path)):
        raise DataError("track() takes frames (arrays or PIL images), not a path; read the "
                        "frames first, or use `cyclekit track run`")
    return list(frames)


def _rgb_frame(frame) -> np.ndarray:
    if isinstance(frame, Image.Image):
        return np.asarray(frame.convert("RGB"))
    array = np.asarray(frame)
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=-1)
    if array.ndim != 3 or array.shape[-1] != 3:
        raise DataError(f"frames must be (H, W, 3) RGB, got shape {array.shape}")
    if array.dtype != np.uint8:
        if not np.issubdtype(array.dtype, np.floating) or array.min() < 0 or array.max() > 1:
            raise DataError(f"frames must be uint8, or float in [0, 1]; got {array.dtype}")
        array = (array * 255).round().astype(np.uint8)
    return np.ascontiguousarray(array)
