"""``cyclekit predict``: label target-domain image files with a trained adaptation run.

Images of any size and mode are read with PIL, brought to the run's channel count (grey to
RGB by repetition, RGB to grey by BT.601 luminance, alpha dropped, palettes expanded, 16-bit
and float images scaled by their own maximum) and resized to its image size exactly as the
training data were (:func:`cyclekit.data.transforms.to_model_images`), then classified by the
method's target classifier. When the run's target domain is one framed like MNIST
(``usps_as_mnist``, ``semeion_as_mnist``), each file is read as grey (ink bright) and framed
the same way first; a run whose target was a folder (``data.target: folder:PATH``) reads each
file as that folder's images were read (:func:`cyclekit.data.image_folder.read_pixels`:
transparency over black, 16-bit by 65535). The CSV ``path,label,confidence`` is written
atomically; a run whose source was a folder of class sub-folders (``data.source:
folder:PATH``) adds the label's class name, ``path,label,class,confidence``
(``data.class_names``, recorded in the run's config).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from cyclekit.atomic import atomic_write_text
from cyclekit.data.domain import MNIST_FRAMED_DOMAINS
from cyclekit.data.image_folder import decode, is_folder
from cyclekit.data.mnist_framing import frame_like_mnist
from cyclekit.data.transforms import to_model_images, to_unit_tensor
from cyclekit.engine.inference_device import inference_device
from cyclekit.engine.loading import load_trained_method, require_run_kind
from cyclekit.errors import CyclekitError, DataError
from cyclekit.preflight import check_output_file

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm",
                  ".ppm", ".pbm")


def collect_images(inputs: list[Path]) -> list[Path]:
    """Files as given, and image files (by suffix) found recursively in folders, sorted."""
    found: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            found += sorted(p for p in item.rglob("*")
                            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        elif item.is_file():
            found.append(item)
        else:
            raise DataError(f"input '{item}' does not exist; give image files or folders")
    if not found:
        raise DataError(f"no image files ({', '.join(IMAGE_SUFFIXES)}) in "
                        f"{', '.join(map(str, inputs))}")
    return found


def read_image(path: Path, channels: int) -> np.ndarray:
    """A ``(1, channels, H, W)`` uint8 or [0, 1] float array of the image at ``path``."""
    try:
        with Image.open(path) as image:
            image.load()
            if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
                pixels = np.asarray(image, dtype=np.float32)
                peak = float(pixels.max())
                pixels = np.clip(pixels / peak if peak > 0 else pixels, 0.0, 1.0)
                array = pixels[None, None]
            else:
                converted = image.convert("RGB" if channels == 3 else "L")
                array = np.asarray(converted, dtype=np.uint8)
                array = array.transpose(2, 0, 1)[None] if array.ndim == 3 else array[None, None]
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise DataError(f"cannot read image '{path}' ({type(error).__name__}: "
                        f"{str(error).splitlines()[0] if str(error) else 'unreadable'})") from None
    if channels == 3 and array.shape[1] == 1:
        array = np.repeat(array, 3, axis=1)
    return np.ascontiguousarray(array)


def load_images(paths: list[Path], image_size: int, channels: int, *,
                frame_like_mnist_first: bool = False) -> torch.Tensor:
    """The files as model inputs; ``frame_like_mnist_first`` frames each digit (read as grey,
    ink bright) in MNIST's 20 px box first, as the ``*_as_mnist`` domains were."""
    def one(path: Path) -> np.ndarray:
        if not frame_like_mnist_first:
            return read_image(path, channels)
        return frame_like_mnist(to_unit_tensor(read_image(path, 1)).numpy())

    return torch.cat([to_model_images(one(path), image_size, channels) for path in paths])


def predict(run_dir: str | Path, inputs: list[str | Path], out: str | Path,
            device: str = "cpu") -> list[tuple[str, int, float]]:
    """Label the images of ``inputs`` with the run in ``run_dir`` on ``device`` (``cpu``,
    ``cuda``, ``cuda:N`` or ``auto``); write ``out``; return rows."""

    device = inference_device(str(device))
    run_dir = Path(run_dir)
    if not run_dir.exists():
        raise CyclekitError(f"run directory '{run_dir}' does not exist; train one with "
                            f"`cyclekit train configs/uda/<task>_cdlm.yaml --out DIR`")
    require_run_kind(run_dir, ("adaptation",), "predict", why="which cannot label images")
    check_output_file(out, example="preds.csv")
    paths = collect_images([Path(p) for p in inputs])
    config, method = load_trained_method(run_dir, device)
    if not hasattr(method, "predict_images"):
        raise CyclekitError(f"run '{run_dir}' is a '{config.method}' run, which cannot label "
                            f"images; predict needs a run of cdlm, dann, source_only, "
                            f"target_only or dirt_t")
    if is_folder(config.data.target):  # read as the target folder's images were in training
        images = decode(paths, config.data.image_size, config.data.channels, key="predict")
    else:
        images = load_images(paths, config.data.image_size, config.data.channels,
                             frame_like_mnist_first=config.data.target in MNIST_FRAMED_DOMAINS)
    labels, confidence = method.predict_images(images, device=device)
    rows = [(str(path), int(label), float(conf))
            for path, label, conf in zip(paths, labels.tolist(), confidence.tolist())]
    names = getattr(config.data, "class_names", None)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if names:
        writer.writerow(["path", "label", "class", "confidence"])
        writer.writerows((path, label, names[label], f"{conf:.6f}")
                         for path, label, conf in rows)
    else:
        writer.writerow(["path", "label", "confidence"])
        writer.writerows((path, label, f"{conf:.6f}") for path, label, conf in rows)
    atomic_write_text(out, buffer.getvalue())
    return rows
