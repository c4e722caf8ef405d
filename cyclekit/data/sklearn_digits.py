"""scikit-learn's 8x8 digits, plain and blended over its sample photos (no files needed)."""

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits, load_sample_image

from cyclekit.data.blend import blend, plan_crops
from cyclekit.data.splits import stratified_indices

DIGIT_MAX = 16
BACKGROUND_PHOTOS = ("china.jpg", "flower.jpg")
# Train backgrounds come from the left 70 % of each photo, test backgrounds from the right
# 30 %: the same kind of scenes, but no test background pixel is ever seen in training.
TRAIN_FRACTION = 0.7
BLEND_SEED = {"train": 1, "test": 2}
# Shrink the 640x427 photos so an 8x8 patch spans about as much scene as a
# 28x28 MNIST-M patch spans of a 481x321 BSDS500 photo.
PHOTO_REDUCTION = 4


def load_sklearn_digits(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(N, 1, 8, 8)`` float32 in [0, 1] and labels ``(N,)`` int64 of a fixed 80/20 split."""
    digits = load_digits()
    keep = stratified_indices(digits.target, split)
    images = digits.images[keep, None].astype(np.float32) / DIGIT_MAX
    return images, digits.target[keep].astype(np.int64)


def background_photos(split: str) -> list[np.ndarray]:
    """The split's parts of the reduced sample photos, uint8 ``(H, W, 3)`` each."""
    parts = []
    for name in BACKGROUND_PHOTOS:
        with Image.fromarray(load_sample_image(name)) as photo:
            pixels = np.asarray(photo.reduce(PHOTO_REDUCTION))
        cut = round(TRAIN_FRACTION * pixels.shape[1])
        parts.append(pixels[:, :cut] if split == "train" else pixels[:, cut:])
    return parts


def load_sklearn_digits_m(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Digits blended over patches of the split's photo: uint8 ``(N, 3, 8, 8)`` and labels."""
    images, labels = load_sklearn_digits(split)
    digits = np.round(images[:, 0] * 255).astype(np.uint8)
    photos = background_photos(split)
    plan = plan_crops(len(digits), photos, digits.shape[-1], BLEND_SEED[split])
    return blend(digits, photos, plan), labels
