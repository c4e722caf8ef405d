"""The frame-pair batcher: shapes, exact resumption, and no ground truth read."""

import numpy as np
import pytest
import torch

from cyclekit.errors import ConfigError, DataError
from cyclekit.tracking.photo_pool import load_photo_pool
from cyclekit.tracking.proposals import build_proposals
from cyclekit.tracking.synthetic_video import SyntheticVideos, SyntheticVideoSpec
from cyclekit.tracking.video_pairs import ConcatVideos, VideoPairBatcher


class NoBoxes:
    """A video that hides its boxes: reading one fails the test."""

    def __init__(self, video):
        self._video = video

    def __len__(self):
        return len(self._video)

    def frame(self, t):
        return self._video.frame(t)

    def box(self, t):
        raise AssertionError("the batcher read a ground-truth box")


@pytest.fixture(scope="module")
def videos():
    family = SyntheticVideos(load_photo_pool("textures", "train"),
                             SyntheticVideoSpec(width=64, height=48, length=8), 0, 6)
    return [NoBoxes(family[i]) for i in range(len(family))]


def _batcher(videos, seed=0, **kwargs):
    return VideoPairBatcher(videos, 3, proposals=build_proposals(["frame_difference",
                                                                  "edge_density"]),
                            max_gap=3, max_candidates=5, seed=seed, **kwargs)


def test_batch_layout(videos):
    batch = _batcher(videos).next()
    assert batch["x"].shape == (3, 4) and batch["frames_x"].shape == (3, 3, 48, 64)
    assert batch["frames_y"].shape == (3, 3, 48, 64)
    assert batch["candidates_y"].shape == (3, 5, 4) and batch["candidates_mask"].dtype == torch.bool
    assert batch["frames_x"].min() >= -1 and batch["frames_x"].max() <= 1
    assert (batch["x"][:, 2:] > 0).all() and (batch["x"] >= 0).all() and (batch["x"] <= 1).all()
    assert not torch.equal(batch["frames_x"], batch["frames_y"])


def test_resumes_exactly(videos):
    first = _batcher(videos, seed=4)
    first.next()
    state = first.state_dict()
    expected = [first.next() for _ in range(2)]
    second = _batcher(videos, seed=4)
    second.load_state_dict(state)
    for batch in expected:
        again = second.next()
        for key, value in batch.items():
            assert torch.equal(value, again[key]), key
    other = _batcher(videos, seed=5).next()
    assert not torch.equal(other["x"], expected[0]["x"])


def test_centre_pseudo_target_is_the_centre_box(videos):
    batch = _batcher(videos, pseudo_target="centre").next()
    assert torch.allclose(batch["x"], torch.tensor([0.375, 0.375, 0.25, 0.25]).expand(3, 4))


def test_concat_videos_and_bad_settings(videos):
    both = ConcatVideos(videos[:2], [], videos[2:3])
    assert len(both) == 3 and both[2] is videos[2]
    with pytest.raises(IndexError):
        both[3]
    with pytest.raises(ConfigError, match="pseudo_target"):
        _batcher(videos, pseudo_target="ground_truth")
    with pytest.raises(DataError, match="no training videos"):
        _batcher([])
    assert np.isfinite(_batcher(videos).sample()["candidates_y"]).all()
