import torch

from cyclekit.data.labelled_unpaired import LabelledUnpairedBatcher


def _batcher(**labels):
    x = torch.arange(20.0).view(20, 1, 1, 1)
    y = 100 + torch.arange(12.0).view(12, 1, 1, 1)
    return LabelledUnpairedBatcher(x, y, 4, seed=3, **labels)


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
