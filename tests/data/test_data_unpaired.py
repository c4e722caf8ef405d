import io

import pytest
import torch

from cyclekit.data.unpaired import UnpairedBatcher
from cyclekit.errors import DataError


def _domains():
    return torch.arange(23).float(), torch.arange(100, 117).float()


def _draw(batcher, count):
    """``count`` batches as ``(x, y)`` tuples."""
    return [(batch["x"], batch["y"]) for batch in (batcher.next() for _ in range(count))]


def test_same_seed_same_batches_and_domains_shuffled_independently():
    x, y = _domains()
    first = _draw(UnpairedBatcher(x, y, 4, seed=3), 12)
    second = _draw(UnpairedBatcher(x, y, 4, seed=3), 12)
    other = _draw(UnpairedBatcher(x, y, 4, seed=4), 12)
    assert all(torch.equal(a, c) and torch.equal(b, d) for (a, b), (c, d) in zip(first, second))
    assert any(not torch.equal(a, c) for (a, _), (c, _) in zip(first, other))
    assert all(len(a) == len(b) == 4 for a, b in first)


def test_epoch_covers_distinct_samples_and_drops_the_remainder():
    x, y = _domains()
    epoch = torch.cat([xb for xb, _ in _draw(UnpairedBatcher(x, y, 4, seed=0), 5)])
    assert len(set(epoch.tolist())) == 20


def test_resume_from_state_gives_identical_future_batches():
    x, y = _domains()
    batcher = UnpairedBatcher(x, y, 4, seed=9)
    _draw(batcher, 7)
    buffer = io.BytesIO()
    torch.save(batcher.state_dict(), buffer)
    expected = _draw(batcher, 10)

    resumed = UnpairedBatcher(x, y, 4, seed=123)
    buffer.seek(0)
    resumed.load_state_dict(torch.load(buffer, weights_only=True))
    actual = _draw(resumed, 10)
    assert all(torch.equal(a, c) and torch.equal(b, d) for (a, b), (c, d) in zip(expected, actual))


def test_ranks_take_disjoint_shares_in_lockstep():
    x, y = _domains()
    ranks = [UnpairedBatcher(x, y, 2, seed=5, rank=r, world_size=3) for r in range(3)]
    for _ in range(6):
        batches = [batcher.next() for batcher in ranks]
        for domain in ("x", "y"):
            seen = [set(batch[domain].tolist()) for batch in batches]
            assert not (seen[0] & seen[1] or seen[0] & seen[2] or seen[1] & seen[2])


def test_too_small_domain_is_rejected():
    x, y = _domains()
    with pytest.raises(DataError, match="fewer than"):
        UnpairedBatcher(x, y[:5], 3, seed=0, world_size=2)


def test_state_of_another_dataset_is_rejected():
    x, y = _domains()
    state = UnpairedBatcher(x, y, 4, seed=0).state_dict()
    with pytest.raises(DataError, match="samples"):
        UnpairedBatcher(x[:10], y, 4, seed=0).load_state_dict(state)
