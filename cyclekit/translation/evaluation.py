"""Evaluation of image-translation methods on a domain pair.

* Cycle reconstruction L1 on the test split, both directions.
* Translation accuracy (the digit-domain protocol of CyCADA / Hou et al.): a classifier trained
  on the *target* domain's training split labels the translated test images; its accuracy
  on the real target test images is reported as the upper bound ``judge_acc``.
* SSIM / PSNR / MSE against the corresponding target image when the domains are paired.
* FCN scores on CMP facades (photos <-> label maps, either order as x / y): a frozen U-Net
  segments the generated photos, generated label maps are read by nearest palette colour,
  both scored against the ground-truth class maps (:mod:`cyclekit.translation.fcn_score`).

Folders of your own images (``folder:PATH``) are unlabelled: they get cycle L1 only (no
translation accuracy, said in ``test/acc_note``), and how their test split was made is
recorded in ``data/x_split`` / ``data/y_split``.
"""

from __future__ import annotations

import torch

from cyclekit.data.facades import load_class_maps
from cyclekit.data.image_folder import is_folder, split_metric
from cyclekit.data.pair import DomainPair
from cyclekit.metrics.classifier_judge import accuracy, cached_judge
from cyclekit.metrics.image_quality import mse, psnr, ssim
from cyclekit.translation.fcn_score import facades_fcn_metrics, facades_segmenter

FACADES_PHOTO, FACADES_LABELS = "facades_photo", "facades_labels"


def validation_losses(method, pair: DomainPair, device) -> dict[str, float]:
    """Cycle L1 on the validation slices held out of the training split."""
    x, y = pair.x.val.images, pair.y.val.images
    if len(x) == 0 or len(y) == 0:
        return {}
    x_rec = translate(method.g, translate(method.f, x, device=device), device=device)
    y_rec = translate(method.f, translate(method.g, y, device=device), device=device)
    cycle_x = float((x_rec - x).abs().mean())
    cycle_y = float((y_rec - y).abs().mean())
    return {"val/cycle_l1_x": cycle_x, "val/cycle_l1_y": cycle_y,
            "val/cycle_l1": 0.5 * (cycle_x + cycle_y)}


def sample_rows(method, pair: DomainPair, count: int, device) -> tuple[list[torch.Tensor], list[str]]:
    """Rows of a sample grid: x, f(x), g(f(x)), y, g(y), f(g(y)) on the first test images."""
    x, y = pair.x.test.images[:count], pair.y.test.images[:count]
    fake_y, fake_x = translate(method.f, x, device=device), translate(method.g, y, device=device)
    rows = [x, fake_y, translate(method.g, fake_y, device=device),
            y, fake_x, translate(method.f, fake_x, device=device)]
    return rows, ["x", "f(x)", "g(f(x))", "y", "g(y)", "f(g(y))"]


def evaluate_translation(method, pair: DomainPair, *, eval_config, cache_dir, device,
                         judge_key: str, progress: bool = False, data=None,
                         seed: int = 0) -> dict[str, float]:
    """All test metrics of a translation method, as a flat dict of floats.

    ``data`` (the run's data config) and ``seed`` locate the facades ground truth; without
    them no FCN scores are computed.
    """
    x, y = pair.x.test, pair.y.test
    fake_y = translate(method.f, x.images, device=device)
    fake_x = translate(method.g, y.images, device=device)
    metrics = {
        "test/cycle_l1_x": float((translate(method.g, fake_y, device=device) - x.images).abs().mean()),
        "test/cycle_l1_y": float((translate(method.f, fake_x, device=device) - y.images).abs().mean()),
    }
    if eval_config.translation_accuracy:
        for direction, source, target, fakes in (("x2y", pair.x, pair.y, fake_y),
                                                 ("y2x", pair.y, pair.x, fake_x)):
            if source.test.labels is None or target.train.labels is None:
                continue
            judge = cached_judge(f"{judge_key}-{target.train.name}", target.train.images,
                                 target.train.labels, cache_dir, epochs=eval_config.judge_epochs,
                                 device=device, progress=progress)
            metrics[f"test/acc_{direction}"] = accuracy(judge, fakes, source.test.labels)
            metrics[f"test/judge_acc_{target.test.name}"] = accuracy(judge, target.test.images,
                                                                   target.test.labels)
    folders = [key for key, split in (("x", x), ("y", y)) if is_folder(split.name)]
    for key in folders:
        split = getattr(pair, key).test
        metrics[f"data/{key}_split"] = split_metric(data, split.name, len(split.images))
    if folders and eval_config.translation_accuracy and not any(
            key.startswith("test/acc_") for key in metrics):
        metrics["test/acc_note"] = ("no translation accuracy: a folder domain is unlabelled "
                                    "(no judge classifier)")
    if pair.paired:
        for direction, fakes, real in (("x2y", fake_y, y.images), ("y2x", fake_x, x.images)):
            metrics[f"test/ssim_{direction}"] = ssim(fakes, real)
            metrics[f"test/psnr_{direction}"] = psnr(fakes, real)
            metrics[f"test/mse_{direction}"] = mse(fakes, real)
    if data is not None and {x.name, y.name} == {FACADES_PHOTO, FACADES_LABELS}:
        metrics.update(_facades_fcn(pair, fake_y, fake_x, data=data, seed=seed,
                                    cache_dir=cache_dir, device=device, progress=progress))
    return metrics


def _facades_fcn(pair: DomainPair, fake_y, fake_x, *, data, seed, cache_dir, device,
                 progress) -> dict[str, float]:
    """FCN scores of labels -> photo and photo -> labels, whichever of x / y holds the photos."""

    photo_is_x = pair.x.test.name == FACADES_PHOTO
    photos, labels = (pair.x, pair.y) if photo_is_x else (pair.y, pair.x)
    truth = load_class_maps("test", data.data_dir, data.image_size, limit=data.limit_test,
                            seed=seed)
    segmenter = facades_segmenter(data_dir=data.data_dir, image_size=data.image_size,
                                  channels=data.channels, cache_dir=cache_dir, device=device,
                                  progress=progress)
    return facades_fcn_metrics(truth=truth, real_photos=photos.test.images,
                               real_labels=labels.test.images,
                               fake_photos=fake_x if photo_is_x else fake_y,
                               fake_labels=fake_y if photo_is_x else fake_x, segmenter=segmenter)


@torch.no_grad()
def translate(mapping: torch.nn.Module, images: torch.Tensor, *, batch_size: int = 256,
              device: torch.device | str = "cpu") -> torch.Tensor:
    """Apply ``mapping`` to a stack of images in batches; returns a CPU tensor."""
    was_training = mapping.training
    mapping.eval()
    try:
        outputs = [mapping(images[i:i + batch_size].to(device)).cpu()
                   for i in range(0, len(images), batch_size)]
    finally:
        mapping.train(was_training)
    return torch.cat(outputs) if outputs else images[:0]
