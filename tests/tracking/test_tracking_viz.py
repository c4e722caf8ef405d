"""Frame strips of predicted vs ground-truth boxes."""

import numpy as np
from PIL import Image

from cyclekit.tracking.figures import GT_COLOUR, save_frame_strip
from cyclekit.tracking.sequences.sequence import Sequence


def test_frame_strip_is_a_small_png_with_the_boxes(tmp_path):
    frames = []
    for i in range(10):
        path = tmp_path / f"{i + 1:04d}.png"
        Image.new("RGB", (200, 150), (90, 90, 90)).save(path)
        frames.append(path)
    gt = np.array([[20 + 5 * i, 30, 40, 50] for i in range(10)], float)
    sequence = Sequence("grey", tuple(frames), gt)
    path = save_frame_strip(sequence, {"shifted": gt + [10, 10, 0, 0]}, tmp_path / "strip.png",
                            count=4, height=150)
    assert path.stat().st_size < 300_000
    strip = np.asarray(Image.open(path).convert("RGB"))
    assert strip.shape[0] == 150 + 16 and strip.shape[1] == 4 * 200 + 3 * 2
    assert (np.abs(strip[:150].astype(int) - GT_COLOUR).sum(axis=2) < 30).any()
