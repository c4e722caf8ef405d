"""Translate a user's image files with a trained run: ``cyclekit translate``.

The run's own ``config.yaml`` rebuilds the method and its ``eval.checkpoint`` rule picks the
weights. Every input image (a file, or every image file found recursively in a folder) is
brought to the model's channels (grayscale, palette, RGBA composited over black, 16-bit
scaled) and resized to its square resolution, translated, resized back to its original
size and written as PNG under the same relative name. All inputs are read before anything
is written, so an unreadable file stops the command with nothing half done.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

from cyclekit.atomic import atomic_output
from cyclekit.config import load_config
from cyclekit.data.transforms import to_model_images
from cyclekit.engine.inference_device import inference_device
from cyclekit.engine.loading import (
    load_trained_method,
    require_run_kind,
    selected_checkpoint,
)
from cyclekit.errors import CyclekitError, DataError, OutputPathError
from cyclekit.preflight import check_output_dir

DIRECTIONS = ("x2y", "y2x")
BATCH_SIZE = 32


@dataclass
class InputImage:
    """One image to translate: where it came from and its name relative to its input."""

    source: Path
    relative: Path


def translate_files(run_dir: str | Path, inputs: list[str | Path], direction: str,
                    out_dir: str | Path, device: str = "cpu") -> dict:
    """Translate ``inputs`` with the run in ``run_dir`` on ``device`` (``cpu``, ``cuda``,
    ``cuda:N`` or ``auto``); write PNGs into ``out_dir``.

    Returns a summary: image count, direction with its domain names, resolution, the
    checkpoint used and the written paths.
    """

    device = inference_device(str(device))
    if direction not in DIRECTIONS:
        raise CyclekitError(f"unknown direction {direction!r}; choose one of {', '.join(DIRECTIONS)}")
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    require_run_kind(run_dir, ("translation",), "translate",
                     why="which does not translate images")
    check_output_dir(out_dir)
    config = load_config(run_dir / "config.yaml")
    image_size, channels = (getattr(config.data, key, None) for key in ("image_size", "channels"))
    if image_size is None or channels is None:
        raise CyclekitError(f"method '{config.method}' of run '{run_dir}' does not map images")
    found = find_images(inputs)
    _check_targets(found, out_dir)
    pixels = [read_image(item.source, channels) for item in found]

    config, method = load_trained_method(run_dir, device)
    checkpoint = selected_checkpoint(config, run_dir / "checkpoints")
    mapping = method.map_xy if direction == "x2y" else method.map_yx
    written = []
    with torch.no_grad():
        for start in range(0, len(found), BATCH_SIZE):
            images = pixels[start:start + BATCH_SIZE]
            model_in = torch.cat([to_model_images(image[None], image_size, channels)
                                  for image in images])
            model_out = mapping(model_in.to(device)).cpu()
            for item, image, output in zip(found[start:start + BATCH_SIZE], images, model_out):
                target = out_dir / item.relative.with_suffix(".png")
                write_png(restore_size(output, image.shape[1:]), target)
                written.append(target)
    source, target = (config.data.x, config.data.y) if direction == "x2y" else (config.data.y,
                                                                                 config.data.x)
    return {"count": len(written), "direction": direction, "source_domain": source,
            "target_domain": target, "image_size": image_size, "channels": channels,
            "checkpoint": str(checkpoint), "written": [str(path) for path in written]}


def find_images(inputs: list[str | Path]) -> list[InputImage]:
    """Files named directly, plus the files with an image extension under each folder.

    Output names: a file's own name, a folder's files relative to that folder. Two inputs
    that would write the same PNG are an error.
    """
    extensions = {ext.lower() for ext in Image.registered_extensions()}
    found: list[InputImage] = []
    for entry in map(Path, inputs):
        if entry.is_dir():
            files = sorted(path for path in entry.rglob("*") if path.is_file()
                           and path.suffix.lower() in extensions
                           and not any(part.startswith(".") for part in path.relative_to(entry).parts))
            found += [InputImage(path, path.relative_to(entry)) for path in files]
        elif entry.is_file():
            found.append(InputImage(entry, Path(entry.name)))
        else:
            raise CyclekitError(f"input '{entry}' does not exist")
    if not found:
        raise CyclekitError("no image files found in the inputs "
                            f"({', '.join(str(entry) for entry in inputs)})")
    seen: dict[Path, Path] = {}
    for item in found:
        name = item.relative.with_suffix(".png")
        if name in seen:
            raise CyclekitError(f"'{item.source}' and '{seen[name]}' would both be written as "
                                f"'{name}'; translate them in separate calls")
        seen[name] = item.source
    return found


def _check_targets(found: list[InputImage], out_dir: Path) -> None:
    """No PNG to write names a folder, or lies below a file, under ``out_dir``."""
    for item in found:
        target = out_dir / item.relative.with_suffix(".png")
        if target.is_dir():
            raise OutputPathError(f"'{target}', where '{item.source}' would be written, is a "
                                  f"folder; choose another --out")
        for parent in target.relative_to(out_dir).parents:
            if parent != Path(".") and (out_dir / parent).exists() and not (out_dir / parent).is_dir():
                raise OutputPathError(f"'{target}', where '{item.source}' would be written, "
                                      f"lies below the file '{out_dir / parent}'; choose another --out")


def read_image(path: Path, channels: int) -> np.ndarray:
    """``(channels, H, W)`` float32 pixels in [0, 1] of any PIL-readable image."""
    try:
        with Image.open(path) as image:
            image.load()
            pixels = to_channels(image, channels)
    except (UnidentifiedImageError, OSError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DataError(f"cannot read image '{path}': {reason}") from None
    if min(pixels.shape[1:]) < 1:
        raise DataError(f"cannot read image '{path}': it has no pixels")
    return pixels


def to_channels(image: Image.Image, channels: int) -> np.ndarray:
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        values = np.asarray(image, dtype=np.float32)
        top = 1.0 if image.mode == "F" and values.max() <= 1 else 65535.0 if values.max() > 255 else 255.0
        gray = np.clip(values / top, 0, 1)[None]
        return gray if channels == 1 else np.repeat(gray, 3, axis=0)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (0, 0, 0, 255)), rgba)
    converted = image.convert("L" if channels == 1 else "RGB")
    pixels = np.asarray(converted, dtype=np.float32) / 255
    return pixels[None] if channels == 1 else pixels.transpose(2, 0, 1)


def restore_size(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """A model output ``(C, S, S)`` in [-1, 1] resized (bilinear, antialiased) to ``size``."""
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    return F.interpolate(image[None].float(), size=size, mode="bilinear", align_corners=False,
                         antialias=True)[0]


def write_png(image: torch.Tensor, path: Path) -> None:
    """Write a ``(1|3, H, W)`` image in [-1, 1] as an 8-bit PNG, atomically."""
    pixels = ((image.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    array = pixels[0].numpy() if pixels.shape[0] == 1 else pixels.permute(1, 2, 0).numpy()
    with atomic_output(path) as tmp:
        Image.fromarray(array).save(tmp, format="PNG")
