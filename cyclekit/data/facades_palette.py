"""The colour code of the CMP facade label maps: 12 classes, one palette colour each.

The pix2pix copy of the CMP Facade Database stores every label map as a JPEG, so the
colours are noisy and blurred at class borders. :data:`CMP_PALETTE` was derived from the
400 training label maps by :func:`derive_palette` (peaks of the colour histogram, refined
to the mean colour around each peak) and rounded. Class ``k`` is taken to be the ``k``-th
palette colour along matplotlib's ``jet`` colour map, i.e. the maps are assumed to colour
CMP's label indices 1..12 in ``jet`` order; the data agree (doors and shops lie at the
bottom of the facades, sills right below windows; see docs/facades.md). Any label image,
real or generated, becomes a class map by nearest palette colour (:func:`colors_to_classes`).
"""

from __future__ import annotations

import matplotlib
import numpy as np
import torch
from scipy import ndimage

from cyclekit.errors import DataError

CMP_CLASSES = ("background", "facade", "window", "door", "cornice", "sill", "balcony",
               "blind", "deco", "molding", "pillar", "shop")

# RGB of each class, in the order of CMP_CLASSES (derive_palette on train/1..400.jpg).
CMP_PALETTE = torch.tensor([
    [1, 2, 221], [2, 49, 251], [6, 123, 252], [8, 203, 253], [39, 250, 230], [115, 250, 152],
    [194, 253, 68], [250, 239, 14], [251, 157, 9], [249, 81, 7], [242, 5, 10], [172, 1, 5],
], dtype=torch.uint8)

HISTOGRAM_BIN = 8  # RGB levels per histogram bin: 32 bins per channel
PEAK_WINDOW = 5  # a peak is the maximum of its 5 x 5 x 5 bin neighbourhood
REFINE_RADIUS = 40.0  # pixels this close (RGB distance) to a peak refine its colour
CHUNK_PIXELS = 1 << 20


def derive_palette(pixels: np.ndarray, count: int = len(CMP_CLASSES)) -> np.ndarray:
    """The ``count`` dominant colours of ``pixels`` (``(M, 3)`` uint8), ordered along ``jet``.

    1. histogram the colours in 32^3 bins and smooth it with a 3^3 box filter;
    2. take the ``count`` highest local maxima (5^3 neighbourhoods) as peaks;
    3. refine each peak to the mean colour of the pixels within :data:`REFINE_RADIUS` of it
       that are nearer to it than to any other peak;
    4. order the colours by their position on matplotlib's ``jet`` colour map.

    Returns a ``(count, 3)`` float64 array of RGB colours.
    """
    pixels = np.asarray(pixels)
    if pixels.ndim != 2 or pixels.shape[1] != 3 or pixels.dtype != np.uint8:
        raise DataError(f"expected (M, 3) uint8 RGB pixels, got {pixels.shape} {pixels.dtype}")
    bins = 256 // HISTOGRAM_BIN
    index = pixels.astype(np.int64) // HISTOGRAM_BIN
    flat = (index[:, 0] * bins + index[:, 1]) * bins + index[:, 2]
    histogram = np.bincount(flat, minlength=bins ** 3).reshape(bins, bins, bins)
    smooth = ndimage.uniform_filter(histogram.astype(np.float64), size=3, mode="constant")
    is_peak = (smooth == ndimage.maximum_filter(smooth, size=PEAK_WINDOW)) & (smooth > 0)
    peaks = np.argwhere(is_peak)
    if len(peaks) < count:
        raise DataError(f"found {len(peaks)} colour peaks, fewer than the {count} asked for")
    strongest = peaks[np.argsort(smooth[tuple(peaks.T)])[::-1][:count]]
    centres = strongest * HISTOGRAM_BIN + (HISTOGRAM_BIN - 1) / 2
    sums, counts = np.zeros((count, 3)), np.zeros(count)
    for start in range(0, len(pixels), CHUNK_PIXELS):
        colours = pixels[start:start + CHUNK_PIXELS].astype(np.float64)
        distances = np.sqrt(((colours[:, None, :] - centres[None]) ** 2).sum(-1))
        nearest, near = distances.argmin(1), distances.min(1) < REFINE_RADIUS
        np.add.at(sums, nearest[near], colours[near])
        counts += np.bincount(nearest[near], minlength=count)
    refined = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centres)
    return refined[np.argsort(jet_position(refined))]


def jet_position(colours: np.ndarray) -> np.ndarray:
    """Position in [0, 1] of the nearest point of matplotlib's ``jet`` map to each RGB colour."""
    steps = np.linspace(0, 1, 1001)
    jet = matplotlib.colormaps["jet"](steps)[:, :3] * 255
    distances = ((np.asarray(colours, dtype=np.float64)[:, None, :] - jet[None]) ** 2).sum(-1)
    return steps[distances.argmin(1)]


def colors_to_classes(images: torch.Tensor, palette: torch.Tensor = CMP_PALETTE) -> torch.Tensor:
    """Class map ``(N, H, W)`` int64 of RGB images ``(N, 3, H, W)`` by nearest palette colour.

    ``images`` are uint8 (0..255) or float in [-1, 1] (the model's range, e.g. generated
    label maps); float values outside [-1, 1] are clamped.
    """
    if images.ndim != 4 or images.shape[1] != 3:
        raise DataError(f"expected RGB label images of shape (N, 3, H, W), got {tuple(images.shape)}")
    if images.dtype == torch.uint8:
        rgb = images.float()
    else:
        rgb = (images.detach().float().clamp(-1, 1) + 1) * 127.5
    n, _, height, width = rgb.shape
    flat = rgb.permute(0, 2, 3, 1).reshape(-1, 3).cpu()
    colours = palette.float()
    classes = torch.cat([torch.cdist(chunk, colours).argmin(1)
                         for chunk in flat.split(CHUNK_PIXELS)]) if len(flat) else flat[:, 0].long()
    return classes.reshape(n, height, width)


def classes_to_colors(class_maps: torch.Tensor, palette: torch.Tensor = CMP_PALETTE) -> torch.Tensor:
    """uint8 RGB images ``(N, 3, H, W)`` painting each class of ``(N, H, W)`` maps its colour."""
    if class_maps.ndim != 3:
        raise DataError(f"expected class maps of shape (N, H, W), got {tuple(class_maps.shape)}")
    return palette[class_maps.long()].permute(0, 3, 1, 2).contiguous()
