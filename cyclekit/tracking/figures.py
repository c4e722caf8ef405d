"""Frame strips: a few frames of a sequence side by side with GT and predicted boxes drawn."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from cyclekit.atomic import atomic_output
from cyclekit.tracking.sequences.sequence import Sequence

GT_COLOUR = (0, 230, 0)
PREDICTION_COLOURS = ((255, 40, 40), (40, 160, 255), (255, 200, 0), (230, 0, 230))


def frame_strip(sequence: Sequence, predictions: Mapping[str, np.ndarray], count: int = 6,
                height: int = 150) -> Image.Image:
    """``count`` evenly spaced frames, each ``height`` px high, GT green, predictions coloured,
    with the frame file's number on each tile and a legend row underneath."""
    indices = np.unique(np.linspace(0, len(sequence) - 1, count).round().astype(int))
    tiles = []
    for index in indices:
        frame = Image.fromarray(sequence.read_frame(index))
        scale = height / frame.height
        tile = frame.resize((round(frame.width * scale), height), Image.BILINEAR)
        draw = ImageDraw.Draw(tile)
        boxes = [(GT_COLOUR, sequence.boxes[index])]
        boxes += [(PREDICTION_COLOURS[k % len(PREDICTION_COLOURS)], np.asarray(b)[index])
                  for k, b in enumerate(predictions.values())]
        for colour, box in boxes:
            if not np.isfinite(box).all() or box[2] <= 0 or box[3] <= 0:
                continue
            x, y = (box[0] - sequence.origin) * scale, (box[1] - sequence.origin) * scale
            draw.rectangle([x, y, x + box[2] * scale, y + box[3] * scale], outline=colour, width=2)
        caption = f"frame {sequence.frames[index].stem}"
        draw.rectangle([0, 0, 6 + 6 * len(caption), 13], fill=(0, 0, 0))
        draw.text((3, 1), caption, fill=(255, 255, 255))
        tiles.append(tile)
    legend_height = 16
    strip = Image.new("RGB", (sum(t.width for t in tiles) + 2 * (len(tiles) - 1),
                              height + legend_height), (255, 255, 255))
    x = 0
    for tile in tiles:
        strip.paste(tile, (x, 0))
        x += tile.width + 2
    draw = ImageDraw.Draw(strip)
    labels = [("ground truth", GT_COLOUR)] + [
        (label, PREDICTION_COLOURS[k % len(PREDICTION_COLOURS)])
        for k, label in enumerate(predictions)]
    x = 4
    for label, colour in labels:
        draw.rectangle([x, height + 4, x + 10, height + 12], fill=colour)
        draw.text((x + 14, height + 2), label, fill=(0, 0, 0))
        x += 24 + 7 * len(label)
    draw.text((x + 6, height + 2), f"{sequence.name} ({len(sequence)} frames)", fill=(0, 0, 0))
    return strip


def save_frame_strip(sequence: Sequence, predictions: Mapping[str, np.ndarray],
                     path: str | Path, count: int = 6, height: int = 150) -> Path:
    """Write ``frame_strip(...)`` as a palette PNG (small: well under 300 KB) atomically."""
    strip = frame_strip(sequence, predictions, count, height)
    with atomic_output(path) as tmp:
        strip.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
            tmp, format="PNG", optimize=True)
    return Path(path)
