"""BSDS500 photos and MNIST-M-style blending, on tiny generated files."""

import numpy as np
import pytest
import torch
from PIL import Image

from cyclekit.data.blend import blend, plan_crops
from cyclekit.data.bsds500 import load_photos
from cyclekit.data.checksum import file_sha256
from cyclekit.data.domain import load_domain
from cyclekit.errors import DataError

TRAIN_COLOUR, TEST_COLOUR = (200, 40, 10), (10, 90, 250)


@pytest.fixture
def bsds(data_dir, register):
    """Two flat-colour photos per split (train red, test blue) with their SHA256SUMS."""
    lines = []
    for split, colour in (("train", TRAIN_COLOUR), ("test", TEST_COLOUR)):
        (data_dir / "bsds500" / split).mkdir(parents=True)
        for name, size in (("a.jpg", (40, 30)), ("b.jpg", (30, 40))):
            path = data_dir / "bsds500" / split / name
            Image.new("RGB", size, colour).save(path, quality=100)
            lines.append(f"{file_sha256(path)}  {split}/{name}")
    (data_dir / "bsds500" / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    register("bsds500/SHA256SUMS")
    return data_dir


@pytest.fixture
def tiny_mnist(data_dir, register, write_idx):
    """Six 28x28 digits per split: a bright square on black."""
    digits = np.zeros((6, 28, 28), dtype=np.uint8)
    digits[:, 10:18, 10:18] = 255
    for prefix in ("train", "t10k"):
        write_idx(data_dir / "mnist" / f"{prefix}-images-idx3-ubyte.gz", digits)
        write_idx(data_dir / "mnist" / f"{prefix}-labels-idx1-ubyte.gz", np.arange(6))
        register(f"mnist/{prefix}-images-idx3-ubyte.gz")
        register(f"mnist/{prefix}-labels-idx1-ubyte.gz")
    return data_dir


def test_blend_is_absolute_difference_with_crop():
    photo = np.random.default_rng(0).integers(0, 256, (9, 7, 3), dtype=np.uint8)
    digits = np.random.default_rng(1).integers(0, 256, (5, 4, 4), dtype=np.uint8)
    plan = plan_crops(5, [photo], 4, seed=3)

    out = blend(digits, [photo], plan)

    for i in range(5):
        patch = photo[plan.top[i] : plan.top[i] + 4, plan.left[i] : plan.left[i] + 4].transpose(2, 0, 1)
        np.testing.assert_array_equal(out[i], np.abs(patch.astype(int) - digits[i]))


def test_crop_plan_per_index_is_independent_of_subset():
    photos = [np.zeros((30, 20, 3), np.uint8), np.zeros((20, 30, 3), np.uint8)]
    plan = plan_crops(50, photos, 8, seed=7)
    subset = plan.take(np.array([4, 17]))
    assert subset.photo.tolist() == plan.photo[[4, 17]].tolist()
    assert np.all(plan.top <= np.array([22, 12])[plan.photo])
    assert np.all(plan.left <= np.array([12, 22])[plan.photo])


def test_bsds500_photos_are_verified_per_file(bsds):
    assert [photo.shape for photo in load_photos("test", bsds)] == [(30, 40, 3), (40, 30, 3)]
    (bsds / "bsds500" / "test" / "b.jpg").write_bytes(b"broken")
    with pytest.raises(DataError, match="b.jpg"):
        load_photos("test", bsds)


def test_bsds500_domain_is_unlabeled_central_squares(bsds):
    domain = load_domain("bsds500", "train", data_dir=bsds, image_size=12)
    assert domain.labels is None and domain.images.shape == (2, 3, 12, 12)
    expected = np.array(TRAIN_COLOUR) / 255 * 2 - 1
    np.testing.assert_allclose(domain.images.mean(dim=(2, 3))[0], expected, atol=0.05)


def test_mnistm_uses_the_split_photo_pool(bsds, tiny_mnist):
    for split, colour in (("train", TRAIN_COLOUR), ("test", TEST_COLOUR)):
        domain = load_domain("mnistm", split, data_dir=tiny_mnist, image_size=28)
        background = (domain.images[:, :, 0, 0] + 1) / 2 * 255
        np.testing.assert_allclose(background, np.tile(colour, (6, 1)), atol=3)
        centre = (domain.images[:, :, 14, 14] + 1) / 2 * 255
        np.testing.assert_allclose(centre, np.tile(255 - np.array(colour), (6, 1)), atol=3)


def test_mnistm_is_cached_and_limit_does_not_change_samples(bsds, tiny_mnist, isolated_cache):
    partial = load_domain("mnistm", data_dir=tiny_mnist, limit=3, seed=5)
    assert not list(isolated_cache.glob("blended/*.npz"))
    full = load_domain("mnistm", data_dir=tiny_mnist)
    assert len(list(isolated_cache.glob("blended/*.npz"))) == 1
    again = load_domain("mnistm", data_dir=tiny_mnist, limit=3, seed=5)
    chosen = partial.labels  # the tiny digits are labelled by their index
    assert torch.equal(partial.images, full.images[chosen])
    assert torch.equal(again.images, partial.images)


def test_mnistm_needs_bsds500(tiny_mnist):
    with pytest.raises(DataError, match="SHA256SUMS"):
        load_domain("mnistm", data_dir=tiny_mnist)


def test_semeion_m_is_semeion_framed_like_mnist_blended_over_the_split_photos(bsds, register):
    """Each Semeion digit, framed like MNIST's (``semeion_as_mnist``), is blended as MNIST-M's
    are: |photo - 255 digit| over the split's photos, with Semeion's labels."""
    rows = []
    for label in np.repeat(np.arange(10), 5):
        pixels = np.zeros((16, 16))
        pixels[3:13, 5:11] = 1
        rows.append(" ".join(f"{v:g}" for v in [*pixels.ravel(), *np.eye(10)[label]]))
    (bsds / "semeion").mkdir()
    (bsds / "semeion" / "semeion.data").write_text("\n".join(rows) + "\n")
    register("semeion/semeion.data")
    for split, colour in (("train", TRAIN_COLOUR), ("test", TEST_COLOUR)):
        framed = load_domain("semeion_as_mnist", split, data_dir=bsds, image_size=28, channels=1)
        blended = load_domain("semeion_m", split, data_dir=bsds, image_size=28, channels=3)
        assert torch.equal(blended.labels, framed.labels) and blended.images.shape[1] == 3
        ink = ((framed.images[:, 0] + 1) / 2 * 255).numpy()[:, None]
        expected = np.abs(np.array(colour)[None, :, None, None] - ink)
        np.testing.assert_allclose((blended.images.numpy() + 1) / 2 * 255, expected, atol=4)


def test_binarised_share_thickens_the_anti_aliased_rim_of_chosen_digits(bsds, data_dir, register,
                                                                       write_idx):
    """A digit with a grey rim: binarised copies blend the rim like the stroke (255), the
    others keep its grey level; the share is drawn per image and is the same on every load."""
    from cyclekit.data.mnistm import load_blended

    digits = np.zeros((200, 28, 28), dtype=np.uint8)
    digits[:, 10:18, 10:18] = 100  # rim
    digits[:, 12:16, 12:16] = 255  # stroke
    for prefix in ("train", "t10k"):
        write_idx(data_dir / "mnist" / f"{prefix}-images-idx3-ubyte.gz", digits)
        write_idx(data_dir / "mnist" / f"{prefix}-labels-idx1-ubyte.gz", np.zeros(200))
        register(f"mnist/{prefix}-images-idx3-ubyte.gz")
        register(f"mnist/{prefix}-labels-idx1-ubyte.gz")
    background = np.array(TRAIN_COLOUR)
    images, _ = load_blended("mnistm", "mnist", "train", data_dir, binarised_share=0.5)
    rim = images[np.arange(200)][:, :, 10, 10].astype(int)
    binarised = np.all(np.abs(rim - np.abs(background - 255)) <= 3, axis=1)
    graded = np.all(np.abs(rim - np.abs(background - 100)) <= 3, axis=1)
    assert np.all(binarised ^ graded) and 0.35 < binarised.mean() < 0.65
    again, _ = load_blended("mnistm", "mnist", "train", data_dir, binarised_share=0.5)
    np.testing.assert_array_equal(again[np.arange(200)], images[np.arange(200)])
    plain, _ = load_blended("mnistm", "mnist", "train", data_dir)
    assert np.all(np.abs(plain[np.arange(200)][:, :, 10, 10].astype(int)
                         - np.abs(background - 100)) <= 3)
