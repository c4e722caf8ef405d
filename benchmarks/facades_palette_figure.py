"""Draw the CMP palette legend with one test facade: docs/figures/facades_palette.png.

    python -m benchmarks facades_palette_figure [--data-dir DIR] [--number 1]

Left: the 12 class colours derived from the training label maps (``CMP_PALETTE``). Right:
test image ``--number``: the photo, its JPEG label map, and the ground-truth class map at
64 px (nearest palette colour at full resolution, then mode downsampling) painted clean.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from benchmarks.arguments import FIGURES, study_parser
from cyclekit.atomic import atomic_output
from cyclekit.data.facades import load_class_maps, load_facades
from cyclekit.data.facades_palette import CMP_CLASSES, CMP_PALETTE, classes_to_colors

OUT = FIGURES / "facades_palette.png"


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--data-dir", default=None, help="default: env CYCLEKIT_DATA")
    parser.add_argument("--number", type=int, default=1, help="test image number (1..106)")
    args = parser.parse_args()
    index = args.number - 1
    photos, _ = load_facades("photo", "test", args.data_dir)
    labels, _ = load_facades("labels", "test", args.data_dir)
    truth = load_class_maps("test", args.data_dir, 64)[index:index + 1]

    figure = plt.figure(figsize=(9, 3.2), dpi=72)
    legend = figure.add_axes([0.0, 0.0, 0.3, 1.0])
    for row, (name, colour) in enumerate(zip(CMP_CLASSES, CMP_PALETTE.tolist())):
        y = len(CMP_CLASSES) - 1 - row
        legend.add_patch(plt.Rectangle((0.05, y + 0.1), 0.25, 0.8, color=[c / 255 for c in colour]))
        legend.text(0.36, y + 0.5, f"{row:2d} {name}  {tuple(colour)}", va="center", fontsize=8,
                    family="monospace")
    legend.set_xlim(0, 1.6)
    legend.set_ylim(0, len(CMP_CLASSES))
    legend.axis("off")
    panels = [(photos[index], "photo"), (labels[index], "label map (JPEG)"),
              (classes_to_colors(truth)[0], "class map, 64 px")]
    for column, (image, title) in enumerate(panels):
        axes = figure.add_axes([0.33 + column * 0.225, 0.04, 0.21, 0.84])
        axes.imshow(torch.as_tensor(image).permute(1, 2, 0).numpy(), interpolation="nearest")
        axes.set_title(title, fontsize=9)
        axes.axis("off")
    with atomic_output(OUT) as tmp:
        figure.savefig(tmp, format="png")
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
