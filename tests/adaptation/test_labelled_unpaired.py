import pytest
import torch

from cyclekit.adaptation.labelled_unpaired import LabelledUnpairedBatcher
from cyclekit.data.augment import Augmentation
from cyclekit.errors import DataError


def _batcher(**labels):
    x = torch.arange(20.0).view(20, 1, 1, 1)
    y = 100 + torch.arange(12.0).view(12, 1, 1, 1)
    return LabelledUnpairedBatcher(x, y, 4, seed=3, **labels)


WARP = Augmentation(2, 10, 0, max_scale=1.4)


def _warping_batcher(augmentation=WARP):
    images = -torch.ones(30, 1, 16, 16)
    images[:, :, 5:11, 5:11] = 1
    return LabelledUnpairedBatcher(images, images.clone(), 8, seed=1,
                                   x_labels=torch.zeros(30, dtype=torch.long),
                                   augmentation=augmentation)


def test_labels_travel_with_their_images_and_only_the_given_ones():
    batcher = _batcher(x_labels=torch.arange(20) * 10)
    for _ in range(7):
        batch = batcher.next()
        assert set(batch) == {"x", "y", "x_labels"}
        assert torch.equal(batch["x_labels"], batch["x"].flatten().long() * 10)
    target = _batcher(y_labels=torch.arange(12)).next()
    assert set(target) == {"x", "y", "y_labels"}
    assert torch.equal(target["y_labels"], target["y"].flatten().long() - 100)


def test_resuming_continues_the_same_draws():
    batcher = _batcher(x_labels=torch.arange(20))
    for _ in range(3):
        batcher.next()
    resumed = _batcher(x_labels=torch.arange(20))
    resumed.load_state_dict(batcher.state_dict())
    for _ in range(6):
        a, b = batcher.next(), resumed.next()
        assert all(torch.equal(a[k], b[k]) for k in a)


def test_the_augmentation_warps_the_labelled_domain_only_and_resumes():
    batcher = _warping_batcher()
    batch = batcher.next()
    square = -torch.ones(1, 1, 16, 16)
    square[:, :, 5:11, 5:11] = 1
    assert torch.equal(batch["y"], square.expand(8, -1, -1, -1))  # the target is untouched
    assert not torch.allclose(batch["x"], square.expand(8, -1, -1, -1), atol=0.1)
    resumed = _warping_batcher()
    resumed.load_state_dict(batcher.state_dict())
    for _ in range(3):
        assert torch.equal(batcher.next()["x"], resumed.next()["x"])
    with pytest.raises(DataError, match="augmenting"):
        _warping_batcher(augmentation=None).load_state_dict(batcher.state_dict())
