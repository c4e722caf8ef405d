import numpy as np
import pytest
import torch

from cyclekit.data.facades_palette import classes_to_colors
from cyclekit.errors import CheckpointError, ConfigError, DataError
from cyclekit.translation.fcn_score import (
    cached_segmenter,
    facades_fcn_metrics,
    segment,
    segmentation_scores,
    train_segmenter,
)
from tests.facades_files import block_classes

SIDE = 16


@pytest.fixture(autouse=True)
def one_thread():
    """The machine is shared: train on one thread, as the benchmarks do."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _blocks(count: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Photos (the label colours, channels reversed) in [-1, 1] and their class maps."""
    maps = torch.from_numpy(np.stack([block_classes(n, 2 * SIDE)[::2, ::2] for n in range(count)]))
    photos = classes_to_colors(maps).float().div(127.5).sub(1).flip(1)
    return photos, maps


def test_segmenter_learns_and_caches(tmp_path):
    photos, maps = _blocks(8)
    kwargs = {"epochs": 15, "batch_size": 4}
    net = cached_segmenter("blocks-16px", photos, maps, tmp_path, **kwargs)
    assert (tmp_path / "fcn-blocks-16px.safetensors").is_file()
    predicted = segment(net, photos)
    assert predicted.shape == maps.shape and not net.training
    assert segmentation_scores(maps, predicted)["pixel_acc"] > 0.5  # chance is 1/12
    again = cached_segmenter("blocks-16px", photos, maps, tmp_path, **kwargs)
    assert torch.equal(segment(again, photos), predicted)
    with pytest.raises(CheckpointError, match="delete it to retrain"):
        cached_segmenter("blocks-16px", photos[:, :1], maps, tmp_path, **kwargs)
    with pytest.raises(ConfigError, match="may only contain"):
        cached_segmenter("a/b", photos, maps, tmp_path)


def test_training_is_seeded():
    photos, maps = _blocks(4)
    first = train_segmenter(photos, maps, epochs=1, batch_size=2, seed=3)
    second = train_segmenter(photos, maps, epochs=1, batch_size=2, seed=3)
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(),
                                                  second.state_dict().values()))
    with pytest.raises(DataError, match="class maps"):
        train_segmenter(photos, maps[:, :4], epochs=1)


def test_metrics_of_both_directions_and_the_ceilings():
    photos, maps = _blocks(4)
    labels = classes_to_colors(maps).float().div(127.5).sub(1)
    net = train_segmenter(photos, maps, epochs=1, batch_size=2)
    metrics = facades_fcn_metrics(truth=maps, real_photos=photos, real_labels=labels,
                                  fake_photos=photos, fake_labels=labels, segmenter=net)
    for name in ("label2photo", "photo2label", "real", "real_labelmap"):
        assert {f"test/fcn_{name}_{score}" for score in ("pixel_acc", "class_acc", "class_iou")
                } <= set(metrics)
    assert metrics["test/fcn_photo2label_pixel_acc"] == 1.0
    assert metrics["test/fcn_real_labelmap_class_iou"] == 1.0
    assert metrics["test/fcn_label2photo_pixel_acc"] == metrics["test/fcn_real_pixel_acc"]
    gray = facades_fcn_metrics(truth=maps, real_photos=photos, real_labels=labels[:, :1],
                               fake_photos=photos, fake_labels=labels[:, :1], segmenter=net)
    assert not any("photo2label" in key for key in gray)
