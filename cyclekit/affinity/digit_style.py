"""Style of handwritten digits measured from the image (ACC paper, Sec. 4.2).

slant:      the shear of the ink mass, mu_11 / mu_02 from the central second-order image
            moments (x to the right, y downwards; positive = the top leans right).
thickness:  mean stroke width 2 A / P of the binarised digit: a stroke of length L and width w
            has area A ~ L w and perimeter P ~ 2 L (P counts ink pixel edges bordering
            background).
"""

from __future__ import annotations

import torch

from cyclekit.errors import DataError

INK_THRESHOLD = 0.5  # on intensities in [0, 1]


def _ink(images: torch.Tensor) -> torch.Tensor:
    """Ink intensities in [0, 1], ``(N, H, W)``, from one-channel images in [-1, 1]."""
    if images.dim() != 4 or images.shape[1] != 1:
        raise DataError(f"digit style needs one-channel images (N, 1, H, W), got "
                        f"{tuple(images.shape)}")
    return (images[:, 0].double() + 1) / 2


def slant(images: torch.Tensor) -> torch.Tensor:
    """mu_11 / mu_02 of every image ``(N,)`` (a horizontal shift per row going up)."""
    ink = _ink(images)
    height, width = ink.shape[1:]
    rows = torch.arange(height, dtype=ink.dtype).view(1, -1, 1)
    cols = torch.arange(width, dtype=ink.dtype).view(1, 1, -1)
    mass = ink.sum((1, 2)).clamp_min(1e-8)
    mean_row = (ink * rows).sum((1, 2)) / mass
    mean_col = (ink * cols).sum((1, 2)) / mass
    d_row, d_col = rows - mean_row.view(-1, 1, 1), cols - mean_col.view(-1, 1, 1)
    mu11 = (ink * d_row * d_col).sum((1, 2))
    mu02 = (ink * d_row.pow(2)).sum((1, 2)).clamp_min(1e-8)
    return (-mu11 / mu02).float()  # rows grow downwards: a right-leaning top has mu11 < 0


def thickness(images: torch.Tensor) -> torch.Tensor:
    """Mean stroke width 2 A / P of the binarised digits ``(N,)``, in pixels."""
    binary = (_ink(images) > INK_THRESHOLD).double()
    padded = torch.nn.functional.pad(binary, (1, 1, 1, 1))
    edges = ((padded[:, 1:, :] - padded[:, :-1, :]).abs().sum((1, 2))
             + (padded[:, :, 1:] - padded[:, :, :-1]).abs().sum((1, 2)))
    return (2 * binary.sum((1, 2)) / edges.clamp_min(1)).float()
