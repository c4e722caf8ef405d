"""Frame small digit images the way MNIST's were framed (LeCun et al. 1998): the digit's
bounding box scaled to fit a 20 x 20 box with its aspect ratio kept, then placed in a 28 x 28
image so that its centre of mass is the centre.

USPS and Semeion digits fill their 16 x 16 frame, so simply resized to 28 px they stand about
40 % taller than MNIST's (28 px against about 20): the ``usps_as_mnist`` and
``semeion_as_mnist`` domains remove that difference of scale and placement between the digit
domains, without reading a label.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from cyclekit.errors import DataError

SIDE = 28
BOX = 20


def frame_like_mnist(images: np.ndarray) -> np.ndarray:
    """``(N, 1, H, W)`` float images in [0, 1] (ink bright) to ``(N, 1, 28, 28)`` float32 in
    [0, 1], each digit fitted in 20 x 20 and centred by mass; an empty image stays empty."""
    if images.ndim != 4 or images.shape[1] != 1:
        raise DataError(f"expected grey images of shape (N, 1, H, W), got {images.shape}")
    return np.stack([_frame_one(image[0])[None] for image in images]).astype(np.float32)


def _frame_one(image: np.ndarray) -> np.ndarray:
    framed = np.zeros((SIDE, SIDE), dtype=np.float32)
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    if len(rows) == 0:
        return framed
    crop = image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].astype(np.float32)
    scale = BOX / max(crop.shape)
    height, width = (max(1, round(side * scale)) for side in crop.shape)
    fitted = np.clip(np.asarray(Image.fromarray(crop, mode="F").resize(
        (width, height), Image.BILINEAR)), 0.0, 1.0)
    total = fitted.sum()
    centre_row = (fitted.sum(axis=1) @ np.arange(height)) / total if total > 0 else height / 2
    centre_col = (fitted.sum(axis=0) @ np.arange(width)) / total if total > 0 else width / 2
    top = int(np.clip(round((SIDE - 1) / 2 - centre_row), 0, SIDE - height))
    left = int(np.clip(round((SIDE - 1) / 2 - centre_col), 0, SIDE - width))
    framed[top:top + height, left:left + width] = fitted
    return framed
