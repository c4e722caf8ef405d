"""What ``data.augment_labelled`` does to MNIST ↔ USPS, and the label-free measurement behind
its zoom (issue 4, beyond Hou et al.).

    python -m benchmarks uda_augmentation_figure [--tasks mnist_usps] [--set key=value ...]
        [--out benchmarks/results/uda_augment_labelled]

For each task: the median ink height (rows holding a pixel above mid-grey) of every training
image of both domains, read from the images alone (the loader's labels are never read), and their
ratio, which ``data.augment_scale``'s default (1.4) was set from; and a figure of source
training images, one random warp of each, and target training images. Writes
``<out>/augmentation.{json,png}``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import torch

from benchmarks import ROOT
from benchmarks.arguments import RESULTS, add_overrides, study_parser
from benchmarks.results_table import save_figure, stamp, write_result
from cyclekit.config import load_config
from cyclekit.registry import get_method_class

PRESETS = ROOT / "configs" / "uda"
SHOWN = 12


def ink_heights(images: torch.Tensor) -> torch.Tensor:
    """Per image (N, C, H, W in [-1, 1]): rows from the first to the last holding ink (> 0)."""
    rows = (images > 0).any(dim=3).any(dim=1)
    has_ink = rows.any(dim=1)
    positions = torch.arange(rows.shape[1], dtype=torch.float32)
    first = torch.where(rows, positions, torch.inf).amin(dim=1)
    last = torch.where(rows, positions, -torch.inf).amax(dim=1)
    return torch.where(has_ink, last - first + 1, torch.zeros_like(first))


def measure(task: str, overrides: list[str]) -> tuple[dict, list[torch.Tensor]]:
    config = load_config(PRESETS / f"{task}_cdlm.yaml",
                         ["data.augment_labelled=true", *overrides])
    data = get_method_class(config.method).load_data(config)
    source, target = data.x.train.images, data.y.train.images
    heights = {name: ink_heights(images) for name, images in
               (("source", source), ("target", target))}
    warp = config.data.augmentation()
    warped = warp(source[:SHOWN], torch.Generator().manual_seed(0))
    record = {
        "task": task, "source": config.data.source, "target": config.data.target,
        "image_size": config.data.image_size,
        "median_ink_height_px": {name: float(h.median()) for name, h in heights.items()},
        "mean_ink_height_px": {name: float(h.mean()) for name, h in heights.items()},
        "images": {name: len(h) for name, h in heights.items()},
        "augmentation": {key: getattr(config.data, key) for key in
                         ("augment_shift", "augment_rotation", "augment_scale")},
    }
    medians = record["median_ink_height_px"]
    record["target_over_source_height"] = medians["target"] / medians["source"]
    return record, [source[:SHOWN], warped, target[:SHOWN]]


def figure(records: list[dict], rows: list[list[torch.Tensor]], path: Path) -> None:
    fig, axes = plt.subplots(3 * len(records), 1, figsize=(SHOWN * 0.6, 2.2 * len(records)))
    axes = list(axes.flat)
    for index, (record, images) in enumerate(zip(records, rows)):
        labels = [f"{record['source']} (source)",
                  f"one warp each (zoom ≤ {record['augmentation']['augment_scale']}×)",
                  f"{record['target']} (target)"]
        for offset, (batch, label) in enumerate(zip(images, labels)):
            axis = axes[3 * index + offset]
            strip = torch.cat(list(batch[:, 0]), dim=1)
            axis.imshow(strip.numpy(), cmap="gray", vmin=-1, vmax=1)
            axis.set_title(label, fontsize=8, loc="left")
            axis.axis("off")
    fig.tight_layout()
    save_figure(fig, path, dpi=100)


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--tasks", nargs="+", default=["mnist_usps"])
    add_overrides(parser, "override (e.g. data.data_dir=...)")
    parser.add_argument("--out", type=Path, default=RESULTS / "uda_augment_labelled")
    args = parser.parse_args()
    records, rows = zip(*(measure(task, args.overrides) for task in args.tasks))
    args.out.mkdir(parents=True, exist_ok=True)
    figure(list(records), list(rows), args.out / "augmentation.png")
    result = {**stamp("uda_augmentation"),
              "protocol": "ink height = rows from the first to the last holding a pixel > 0 "
                          "(images in [-1, 1]), over every training image of each domain; no "
                          "label is read; the warp of the figure is seeded with 0",
              "tasks": list(records)}
    write_result(args.out, "augmentation", result)
    for record in records:
        medians = record["median_ink_height_px"]
        print(f"{record['task']}: median ink height {medians['source']:.0f} px "
              f"({record['source']}) and {medians['target']:.0f} px ({record['target']}), "
              f"ratio {record['target_over_source_height']:.2f}")


if __name__ == "__main__":
    main()
