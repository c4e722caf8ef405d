"""Train the FCN-score segmenter of CMP facades once and measure its scores on real photos.

    python -m benchmarks fcn_upper_bound [--image-size 64] [--epochs 20] [--data-dir DIR]

The U-Net of ``cyclekit.translation.fcn_score`` is trained on the 400 real training photos (one
thread), then scored on the real val photos (the folder that chose its training length) and
the real test photos (the upper bound of labels -> photo, as the paper reports for real
images). Also scored: the real label maps at the same resolution read by nearest palette
colour (the ceiling of photo -> labels). The trained weights go into the cyclekit cache
(``judges/``) under the key translation runs use, so they need not train it again.
Writes ``benchmarks/results/fcn_upper_bound.json`` and ``.md``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import torch

from benchmarks.arguments import study_parser
from benchmarks.results_table import cpu_name, stamp, write_result
from cyclekit.atomic import atomic_output
from cyclekit.data.cache import cache_dir
from cyclekit.data.facades import load_class_maps, load_facades
from cyclekit.data.facades_palette import CMP_CLASSES, colors_to_classes
from cyclekit.data.transforms import to_model_images
from cyclekit.translation.fcn_score import (
    SEGMENTER_EPOCHS,
    SEGMENTER_SEED,
    facades_segmenter,
    segment,
)
from cyclekit.translation.segmentation import confusion_matrix, fcn_scores


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--channels", type=int, default=3, choices=[1, 3])
    parser.add_argument("--epochs", type=int, default=SEGMENTER_EPOCHS)
    parser.add_argument("--data-dir", default=None, help="default: env CYCLEKIT_DATA")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    torch.set_num_threads(1)
    size, channels = args.image_size, args.channels

    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        net = facades_segmenter(data_dir=args.data_dir, image_size=size, channels=channels,
                                cache_dir=scratch, epochs=args.epochs, progress=True)
        train_seconds = time.perf_counter() - started
        (trained,) = Path(scratch).glob("fcn-*.safetensors")
        cached = cache_dir("judges") / trained.name
        if not cached.exists():
            with atomic_output(cached) as tmp:
                shutil.copyfile(trained, tmp)

    splits = {}
    for split in ("val", "test"):
        photos, _ = load_facades("photo", split, args.data_dir)
        labels, _ = load_facades("labels", split, args.data_dir)
        truth = load_class_maps(split, args.data_dir, size)
        readings = {"segmenter_on_real_photos": segment(net, to_model_images(photos, size, channels)),
                    "palette_on_real_label_maps": colors_to_classes(to_model_images(labels, size, 3))}
        splits[split] = {name: _scores(truth, predicted) for name, predicted in readings.items()}
        splits[split]["class_pixel_share"] = dict(zip(CMP_CLASSES, (
            torch.bincount(truth.flatten(), minlength=len(CMP_CLASSES)) / truth.numel()).tolist()))
        print(f"{split}: " + json.dumps({k: v["pixel_acc"] for k, v in splits[split].items()
                                         if "pixel_acc" in v}), flush=True)

    result = {
        **stamp("fcn_upper_bound"), "device": f"cpu ({cpu_name()}, 1 thread, shared machine)",
        "torch": torch.__version__,
        "data": f"CMP facades (pix2pix layout), {size} px, {channels} channel(s); trained on "
                f"train/1..400, scored on val/1..100 and test/1..106",
        "segmenter": f"UNet (cyclekit.translation.unet), {args.epochs} epochs, seed {SEGMENTER_SEED}",
        "train_wall_time_s": train_seconds,
        "cache_file": str(cached),
        "scores": splits,
    }
    write_result(args.out, "fcn_upper_bound", result, _markdown(result))


def _scores(truth: torch.Tensor, predicted: torch.Tensor) -> dict:
    confusion = confusion_matrix(truth, predicted, len(CMP_CLASSES))
    diagonal = confusion.diag().double()
    union = (confusion.sum(0) + confusion.sum(1)).double() - diagonal
    return {**fcn_scores(confusion),
            "class_iou_each": dict(zip(CMP_CLASSES, (diagonal / union.clamp(min=1)).tolist()))}


def _markdown(result: dict) -> str:
    lines = [f"# FCN-score segmenter on real facades ({result['date']})", "",
             (f"{result['data']}. {result['segmenter']}; trained in "
              f"{result['train_wall_time_s']:.0f} s on {result['device']}."), "",
             "| split | reading | per-pixel acc | per-class acc | class IoU |",
             "|---|---|---|---|---|"]
    for split, readings in result["scores"].items():
        for name, scores in readings.items():
            if "pixel_acc" in scores:
                lines.append(f"| {split} | {name.replace('_', ' ')} | {scores['pixel_acc']:.3f} | "
                             f"{scores['class_acc']:.3f} | {scores['class_iou']:.3f} |")
    test = result["scores"]["test"]["segmenter_on_real_photos"]["class_iou_each"]
    lines += ["", "Test IoU per class (segmenter on real photos): " + ", ".join(
        f"{name} {value:.2f}" for name, value in test.items()), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
