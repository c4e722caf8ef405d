import torch

from cyclekit.cyclic.image_history import ImageHistory


def test_fills_then_mixes_old_and_new():
    history = ImageHistory(capacity=4, seed=0)
    first = torch.arange(4.0).view(4, 1, 1, 1)
    assert torch.equal(history.query(first), first)  # filling: everything passes through
    new = torch.full((64, 1, 1, 1), 100.0)
    out = history.query(new)
    replayed = (out != 100.0).sum()
    assert 0 < replayed < 64  # about half are swapped for stored images
    assert set(out.flatten().tolist()) <= {0.0, 1.0, 2.0, 3.0, 100.0}


def test_zero_capacity_passes_through():
    images = torch.randn(3, 2, 4, 4)
    assert torch.equal(ImageHistory(capacity=0).query(images), images)


def test_state_round_trip_gives_identical_future():
    a = ImageHistory(capacity=5, seed=3)
    a.query(torch.randn(7, 1, 2, 2))
    b = ImageHistory(capacity=5, seed=99)
    b.load_state_dict(a.state_dict())
    batch = torch.randn(6, 1, 2, 2)
    assert torch.equal(a.query(batch), b.query(batch))
