"""BSDS500 photos: verified per-file against the folder's SHA256SUMS list."""

import numpy as np
from PIL import Image

from cyclekit.data.catalog import FILES, data_file
from cyclekit.data.checksum import verify
from cyclekit.errors import DataError

SUMS = "bsds500/SHA256SUMS"


def load_photos(split: str, data_dir) -> list[np.ndarray]:
    """The split's photos as uint8 ``(H, W, 3)`` arrays, in file-name order."""
    sums_path = data_file(SUMS, data_dir)
    source = FILES[SUMS].source
    listed = dict(reversed(line.split(maxsplit=1)) for line in sums_path.read_text().splitlines())
    names = sorted(name for name in listed if name.startswith(f"{split}/") and name.endswith(".jpg"))
    photos = []
    for name in names:
        path = verify(sums_path.parent / name, listed[name], source)
        with Image.open(path) as image:
            photos.append(np.asarray(image.convert("RGB")))
    if not photos:
        raise DataError(f"{sums_path}: lists no {split}/*.jpg photos")
    return photos


def load_bsds500(split: str, data_dir) -> tuple[np.ndarray, None]:
    """Central square crops ``(N, 3, S, S)`` uint8, S the smallest photo side; no labels."""
    photos = load_photos(split, data_dir)
    side = min(min(photo.shape[:2]) for photo in photos)
    squares = []
    for photo in photos:
        top = (photo.shape[0] - side) // 2
        left = (photo.shape[1] - side) // 2
        squares.append(photo[top : top + side, left : left + side])
    return np.stack(squares).transpose(0, 3, 1, 2), None
