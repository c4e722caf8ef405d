"""A tiny OTB-style sequence: a textured patch moving over a noisy background."""

import numpy as np
import pytest
from PIL import Image

FRAMES, SIZE, PATCH, STEP = 12, 96, 16, 3


def write_moving_patch(folder, frames=FRAMES, seed=0):
    """OTB folder with ``frames`` frames; GT boxes are exact, 1-based. Returns the GT rows."""
    rng = np.random.default_rng(seed)
    background = rng.integers(60, 120, (SIZE, SIZE, 3), dtype=np.uint8)
    patch = rng.integers(0, 256, (PATCH, PATCH, 3), dtype=np.uint8)
    (folder / "img").mkdir(parents=True)
    rows = []
    for i in range(frames):
        x, y = 10 + STEP * i, 20 + 2 * i
        image = background.copy()
        image[y:y + PATCH, x:x + PATCH] = patch
        Image.fromarray(image).save(folder / "img" / f"{i + 1:04d}.png")
        rows.append([x + 1, y + 1, PATCH, PATCH])
    (folder / "groundtruth_rect.txt").write_text(
        "".join("\t".join(str(v) for v in r) + "\n" for r in rows))
    return np.array(rows, float)


@pytest.fixture
def moving_patch(tmp_path):
    folder = tmp_path / "sequences" / "Patch"
    return folder, write_moving_patch(folder)
