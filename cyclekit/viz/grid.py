"""Image grids: one row per batch of images in [-1, 1], with optional row labels, saved as PNG."""

import functools
import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from cyclekit.atomic import atomic_output

MIN_CELL_PX = 48
GAP_PX = 2
LABEL_MARGIN_PX = 6
LABEL_FONT_PX = 11
BACKGROUND = (255, 255, 255)
TEXT_COLOR = (0, 0, 0)


def _to_uint8_rgb(batch: torch.Tensor, scale: int) -> np.ndarray:
    """N x C x H x W in [-1, 1] (C = 1 or 3) to N x (H*scale) x (W*scale) x 3 uint8, upscaled by nearest neighbour."""
    if batch.ndim != 4 or batch.shape[1] not in (1, 3):
        raise ValueError(f"expected a batch of shape N x C x H x W with C = 1 or 3, got {tuple(batch.shape)}")
    pixels = ((batch.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    pixels = pixels.expand(-1, 3, -1, -1).permute(0, 2, 3, 1)
    return pixels.repeat_interleave(scale, dim=1).repeat_interleave(scale, dim=2).numpy()


@functools.cache
def _label_font() -> ImageFont.FreeTypeFont:
    from matplotlib import font_manager

    return ImageFont.truetype(font_manager.findfont("DejaVu Sans"), LABEL_FONT_PX)


def image_grid_array(rows: list[torch.Tensor], *, row_labels: list[str] | None = None, nrow_max: int = 16) -> np.ndarray:
    """Lay out up to ``nrow_max`` images of each batch in ``rows`` as one grid row; return an H x W x 3 uint8 array.

    All images must share height and width. Images smaller than 48 px are
    upscaled by an integer factor with nearest neighbour. Labels, when given,
    are drawn left of their rows in DejaVu Sans (matplotlib's font, which has arrows and
    Greek letters that PIL's default font lacks).
    """
    if not rows:
        raise ValueError("need at least one row of images")
    if row_labels is not None and len(row_labels) != len(rows):
        raise ValueError(f"got {len(row_labels)} row labels for {len(rows)} rows")
    sizes = {tuple(batch.shape[-2:]) for batch in rows}
    if len(sizes) != 1:
        raise ValueError(f"all images must have the same height and width, got {sorted(sizes)}")
    height, width = sizes.pop()
    scale = max(1, math.ceil(MIN_CELL_PX / min(height, width)))
    cell_h, cell_w = height * scale, width * scale

    font = _label_font()
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    label_width = 0
    if row_labels:
        label_width = max(measure.textbbox((0, 0), label, font=font)[2] for label in row_labels) + 2 * LABEL_MARGIN_PX

    columns = min(nrow_max, max(len(batch) for batch in rows))
    canvas = Image.new(
        "RGB",
        (label_width + columns * (cell_w + GAP_PX) + GAP_PX, len(rows) * (cell_h + GAP_PX) + GAP_PX),
        BACKGROUND,
    )
    draw = ImageDraw.Draw(canvas)
    for row_index, batch in enumerate(rows):
        top = GAP_PX + row_index * (cell_h + GAP_PX)
        for column, cell in enumerate(_to_uint8_rgb(batch[:nrow_max], scale)):
            canvas.paste(Image.fromarray(cell), (label_width + GAP_PX + column * (cell_w + GAP_PX), top))
        if row_labels:
            draw.text((LABEL_MARGIN_PX, top + cell_h // 2), row_labels[row_index], fill=TEXT_COLOR, font=font, anchor="lm")
    return np.asarray(canvas)


def save_image_grid(
    rows: list[torch.Tensor],
    path: str | Path,
    *,
    row_labels: list[str] | None = None,
    nrow_max: int = 16,
    max_colors: int | None = None,
) -> Path:
    """Write ``image_grid_array(rows, ...)`` to ``path`` as a PNG, atomically; return the path.

    ``max_colors`` (at most 256) stores the grid with an adaptive palette of that many colours
    (median cut): about a third of the bytes for grids of photos, for figures kept in a repository.
    """
    image = Image.fromarray(image_grid_array(rows, row_labels=row_labels, nrow_max=nrow_max))
    if max_colors is not None:
        if not 2 <= max_colors <= 256:
            raise ValueError(f"max_colors must be between 2 and 256 (a PNG palette), got {max_colors}")
        image = image.quantize(max_colors, method=Image.Quantize.MEDIANCUT)
    with atomic_output(path) as tmp:
        image.save(tmp, format="PNG")
    return Path(path)
