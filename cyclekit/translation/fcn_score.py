"""FCN scores on CMP facades: a frozen U-Net segmenter judges translated photos and label maps.

The Cityscapes protocol of pix2pix / CycleGAN (Zhu et al. 2017; tables of Zou & Hao) on facades:

* labels -> photo: the segmenter, trained on the real training photos, labels the generated
  photos; its class maps are scored against the ground truth of the input label maps;
* photo -> labels: each pixel of a generated label map takes the class of the nearest CMP
  palette colour and is scored against the ground truth of the input photo;
* the segmenter's own scores on the real test photos are the upper bound of labels -> photo.

Scores are per-pixel accuracy, per-class accuracy and class IoU (:mod:`segmentation`). One
segmenter per resolution and channel count (fixed seed, not the run's), cached on disk, so
every run and seed at that resolution is judged by the same network.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from tqdm.auto import trange

from cyclekit.atomic import atomic_output
from cyclekit.data.domain import load_domain
from cyclekit.data.facades import load_class_maps
from cyclekit.data.facades_palette import CMP_CLASSES, colors_to_classes
from cyclekit.errors import CheckpointError, ConfigError, DataError
from cyclekit.translation.segmentation import confusion_matrix, fcn_scores
from cyclekit.translation.unet import UNet

SEGMENTER_EPOCHS = 20  # chosen on the val folder (docs/facades.md)
SEGMENTER_SEED = 0
SEGMENTER_CHANNELS = 16
KEY_PATTERN = re.compile(r"[A-Za-z0-9._-]+")


def train_segmenter(images: torch.Tensor, class_maps: torch.Tensor, *,
                    num_classes: int = len(CMP_CLASSES), epochs: int = SEGMENTER_EPOCHS,
                    batch_size: int = 16, lr: float = 2e-3, seed: int = SEGMENTER_SEED,
                    device: str | torch.device = "cpu", progress: bool = False) -> UNet:
    """Train a :class:`UNet` by per-pixel cross-entropy (the FCN loss, Long et al. 2015).

    Adam with cosine learning-rate decay; each batch is mirrored left-right with
    probability 1/2 (facades are close to mirror-symmetric). Returns it frozen in eval mode.
    """
    _check(images, class_maps)
    device = torch.device(device)
    cuda = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(seed)
        net = UNet(images.shape[1], num_classes, base_channels=SEGMENTER_CHANNELS).to(device)
        optimizer = torch.optim.Adam(net.parameters(), lr=lr)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
        net.train()
        bar = trange(epochs, desc="training FCN-score segmenter", disable=not progress, leave=False)
        for _ in bar:
            total, seen = 0.0, 0
            for index in torch.randperm(len(images), generator=generator).split(batch_size):
                if len(index) < 2:  # BatchNorm needs two samples
                    continue
                batch, target = images[index].to(device), class_maps[index].to(device)
                if torch.rand((), generator=generator) < 0.5:
                    batch, target = batch.flip(-1), target.flip(-1)
                loss = F.cross_entropy(net(batch), target)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total, seen = total + loss.item() * len(index), seen + len(index)
            scheduler.step()
            bar.set_postfix(loss=f"{total / max(seen, 1):.4f}")
    return net.eval().requires_grad_(False)


@torch.inference_mode()
def segment(net: UNet, images: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
    """Predicted class maps ``(N, H, W)`` int64 (on CPU); puts ``net`` in eval mode."""
    net.eval()
    device = next(net.parameters()).device
    return torch.cat([net(batch.to(device).float()).argmax(1).cpu()
                      for batch in images.split(batch_size)])


def cached_segmenter(key: str, images: torch.Tensor, class_maps: torch.Tensor,
                     cache_dir: str | Path, **train_kwargs) -> UNet:
    """The segmenter saved as ``fcn-<key>.safetensors`` in ``cache_dir``, else trained and saved.

    ``key`` must name everything the weights depend on (resolution, channels, epochs, seed).
    """
    if not KEY_PATTERN.fullmatch(key):
        raise ConfigError(f"segmenter cache key {key!r} may only contain letters, digits, '.', "
                          f"'_' and '-'")
    _check(images, class_maps)
    path = Path(cache_dir) / f"fcn-{key}.safetensors"
    if not path.exists():
        net = train_segmenter(images, class_maps, **train_kwargs)
        with atomic_output(path) as tmp:
            save_file({name: value.contiguous() for name, value in net.state_dict().items()}, tmp)
        return net
    net = UNet(images.shape[1], train_kwargs.get("num_classes", len(CMP_CLASSES)),
               base_channels=SEGMENTER_CHANNELS)
    try:
        net.load_state_dict(load_file(path))
    except (SafetensorError, RuntimeError, OSError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CheckpointError(f"cached segmenter {path} does not fit these images ({reason}); "
                              f"delete it to retrain") from None
    return net.to(train_kwargs.get("device", "cpu")).eval().requires_grad_(False)


def facades_segmenter(*, data_dir, image_size: int, channels: int, cache_dir: str | Path,
                      epochs: int | None = None, device: str | torch.device = "cpu",
                      progress: bool = False) -> UNet:
    """The segmenter of real facade photos at this resolution, trained on all 400 train photos
    for ``epochs`` (default :data:`SEGMENTER_EPOCHS`)."""

    epochs = epochs or SEGMENTER_EPOCHS

    photos = load_domain("facades_photo", "train", data_dir=data_dir, image_size=image_size,
                         channels=channels).images
    truth = load_class_maps("train", data_dir, image_size)
    key = f"facades-{image_size}px-{channels}ch-e{epochs}-s{SEGMENTER_SEED}"
    return cached_segmenter(key, photos, truth, cache_dir, epochs=epochs, device=device,
                            progress=progress)


def segmentation_scores(truth: torch.Tensor, predicted: torch.Tensor) -> dict[str, float]:
    """FCN scores of predicted class maps against ground-truth ones (12 CMP classes)."""
    return fcn_scores(confusion_matrix(truth, predicted, len(CMP_CLASSES)))


def facades_fcn_metrics(*, truth: torch.Tensor, real_photos: torch.Tensor,
                        real_labels: torch.Tensor, fake_photos: torch.Tensor,
                        fake_labels: torch.Tensor, segmenter: UNet) -> dict[str, float]:
    """``test/fcn_*`` metrics of both directions, the segmenter's upper bound on real photos
    (``fcn_real_*``) and the nearest-palette reading of the real label maps at this
    resolution (``fcn_real_labelmap_*``, the ceiling of photo -> labels).

    ``truth`` are the ground-truth class maps of the test images; photo -> labels needs RGB.
    """
    readings = {"label2photo": segment(segmenter, fake_photos), "real": segment(segmenter, real_photos)}
    if fake_labels.shape[1] == 3:
        readings["photo2label"] = colors_to_classes(fake_labels)
        readings["real_labelmap"] = colors_to_classes(real_labels)
    metrics = {}
    for name, predicted in readings.items():
        for score, value in segmentation_scores(truth, predicted).items():
            metrics[f"test/fcn_{name}_{score}"] = value
    return metrics


def _check(images: torch.Tensor, class_maps: torch.Tensor) -> None:
    if images.ndim != 4 or class_maps.shape != (images.shape[0], *images.shape[2:]):
        raise DataError(f"expected images (N, C, H, W) and class maps (N, H, W), got "
                        f"{tuple(images.shape)} and {tuple(class_maps.shape)}")
