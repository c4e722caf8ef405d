import pytest
import torch

from cyclekit.affinity.factors import make_squares
from cyclekit.affinity.set_batcher import SetBatcher
from cyclekit.data.augment import Augmentation
from cyclekit.errors import DataError

SQUARES = make_squares(image_size=16)  # factors pos_x(4) pos_y(4) size(3) shade(3)


def _column(name):
    return SQUARES.factor_names.index(name)


def test_inactive_factors_are_held_fixed_within_each_set_and_active_ones_vary():
    batcher = SetBatcher(SQUARES, 8, inactive=("pos_x", "shade"), seed=1)
    values_between_sets = set()
    for _ in range(20):
        batch = batcher.next()
        for key in ("x_factors", "y_factors"):
            factors = batch[key]
            for name in ("pos_x", "shade"):
                assert factors[:, _column(name)].unique().numel() == 1
            assert factors[:, _column("pos_y")].unique().numel() > 1
            assert len({tuple(row) for row in factors.tolist()}) == 8  # without replacement
            held = factors[0, [_column("pos_x"), _column("shade")]]
            values_between_sets.add(tuple(held.tolist()))
        assert torch.equal(batch["x"], SQUARES.images[_indices_of(batch["x_factors"])])
    assert len(values_between_sets) > 3  # each set draws its own value


def _indices_of(factors):
    rows = SQUARES.factors.tolist()
    return torch.tensor([rows.index(row) for row in factors.tolist()])


def test_unconstrained_second_set_is_drawn_from_everything():
    batcher = SetBatcher(SQUARES, 8, inactive=("pos_x",), unconstrained_second=True, seed=0)
    varied = [batcher.next()["y_factors"][:, _column("pos_x")].unique().numel() > 1
              for _ in range(10)]
    assert all(varied)
    fixed = [batcher.next()["x_factors"][:, _column("pos_x")].unique().numel() == 1
             for _ in range(10)]
    assert all(fixed)


def test_no_inactive_factor_means_no_set_supervision():
    batch = SetBatcher(SQUARES, 16, seed=0).next()
    for name in SQUARES.factor_names:
        assert batch["x_factors"][:, _column(name)].unique().numel() > 1


def test_resume_reproduces_the_stream_exactly_with_augmentation():
    def make(seed=5):
        return SetBatcher(SQUARES, 6, inactive=("size",), augmentation=Augmentation(), seed=seed)

    batcher = make()
    for _ in range(3):
        batcher.next()
    state = batcher.state_dict()
    expected = [batcher.next() for _ in range(2)]
    resumed = make(seed=99)
    resumed.load_state_dict(state)
    for want in expected:
        got = resumed.next()
        assert set(got) == {"x", "y", "x_factors", "y_factors", "x_view2", "y_view2"}
        for key in want:
            assert torch.equal(want[key], got[key]), key
    assert not torch.equal(expected[0]["x"], expected[0]["x_view2"])  # two different views


def test_ranks_draw_different_sets_and_stay_in_step():
    ranks = [SetBatcher(SQUARES, 8, inactive=("shade",), seed=2, rank=r, world_size=2)
             for r in range(2)]
    batches = [batcher.next() for batcher in ranks]
    assert not torch.equal(batches[0]["x_factors"], batches[1]["x_factors"])
    assert torch.equal(ranks[0].state_dict()["generator"], ranks[1].state_dict()["generator"])


def test_bad_requests_raise_data_errors():
    with pytest.raises(DataError, match="fewer than set_size"):
        SetBatcher(SQUARES, 8, inactive=("pos_x", "pos_y", "size"))
    with pytest.raises(DataError, match="unknown factor"):
        SetBatcher(SQUARES, 8, inactive=("colour",))
    with pytest.raises(DataError, match="set_size"):
        SetBatcher(SQUARES, 1)
