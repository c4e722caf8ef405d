"""Synthetic video: the kept boxes match the rendered target; videos are deterministic; raw
frame folders read as unlabeled video."""

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from cyclekit.errors import ConfigError, DataError
from cyclekit.tracking.frame_folder_video import FrameFolderVideo, load_frame_folders
from cyclekit.tracking.photo_pool import load_photo_pool
from cyclekit.tracking.synthetic_video import SyntheticVideos, SyntheticVideoSpec

SPEC = SyntheticVideoSpec(width=96, height=72, length=12)


@pytest.fixture(scope="module")
def photos():
    return load_photo_pool("sklearn_samples", "train")


def _mask_box(mask: np.ndarray) -> np.ndarray:
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return np.array([cols[0], rows[0], cols[-1] + 1 - cols[0], rows[-1] + 1 - rows[0]], float)


@pytest.mark.parametrize("index", range(4))
def test_box_matches_the_rendered_target(photos, index):
    video = SyntheticVideos(photos, replace(SPEC, occlusion_probability=0.0), 3, 10)[index]
    for t in (0, 5, 11):
        covered = (video.render(t, layers=("target",)) > 0).any(-1)  # on a black canvas
        box = video.box(t)
        assert np.abs(_mask_box(covered) - _clip(box, covered.shape)).max() <= 1.0, (t, box)


def _clip(box, shape):
    x0, y0 = max(box[0], 0), max(box[1], 0)
    x1, y1 = min(box[0] + box[2], shape[1]), min(box[1] + box[3], shape[0])
    return np.array([x0, y0, x1 - x0, y1 - y0])


def test_target_pixels_differ_from_the_scene_without_it(photos):
    video = SyntheticVideos(photos, replace(SPEC, occlusion_probability=0.0,
                                            max_distractors=0), 1, 4)[0]
    with_target = video.render(4).astype(int)
    without = video.render(4, layers=("background",)).astype(int)
    changed = np.abs(with_target - without).sum(-1) > 0
    x, y, w, h = video.box(4)
    inside = changed[int(np.ceil(y)):int(y + h), int(np.ceil(x)):int(x + w)]
    assert changed.sum() == pytest.approx(changed[int(y):int(np.ceil(y + h)),
                                                  int(x):int(np.ceil(x + w))].sum())
    assert inside.mean() > 0.5


def test_videos_are_deterministic_and_move(photos):
    a = SyntheticVideos(photos, SPEC, 0, 5)[2]
    b = SyntheticVideos(photos, SPEC, 0, 5)[2]
    c = SyntheticVideos(photos, SPEC, 1, 5)[2]
    frames_a, boxes_a = a.clip()
    frames_b, boxes_b = b.clip()
    assert np.array_equal(frames_a, frames_b) and np.array_equal(boxes_a, boxes_b)
    assert frames_a.shape == (12, 72, 96, 3) and frames_a.dtype == np.uint8
    assert not np.array_equal(frames_a, c.clip()[0])
    assert np.abs(np.diff(boxes_a[:, :2], axis=0)).sum() > 1  # the target moves


def test_photo_pools_and_bad_specs():
    assert len(load_photo_pool("textures", "test")) >= 2
    assert len(load_photo_pool("sklearn_samples", "test")) == 2
    with pytest.raises(ConfigError, match="unknown photo pool"):
        load_photo_pool("imagenet", "train")
    with pytest.raises(DataError, match="too small"):
        SyntheticVideos(load_photo_pool("textures", "test"), replace(SPEC, length=1), 0, 1)


def test_frame_folders_read_as_unlabeled_video(tmp_path):
    folder = tmp_path / "Walk" / "img"
    folder.mkdir(parents=True)
    for i in range(3):
        Image.fromarray(np.full((20, 30, 3), 40 * i, np.uint8)).save(folder / f"{i + 1:04d}.jpg")
    (tmp_path / "Walk" / "groundtruth_rect.txt").write_text("1,1,4,4\n")
    videos = load_frame_folders([tmp_path], width=16, height=12)
    assert len(videos) == 1 and len(videos[0]) == 3
    frame = videos[0].frame(2)
    assert frame.shape == (12, 16, 3) and abs(int(frame.mean()) - 80) <= 1
    with pytest.raises(DataError, match="does not exist"):
        load_frame_folders([tmp_path / "none"], 16, 12)
    empty = tmp_path / "one"
    empty.mkdir()
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(empty / "1.png")
    with pytest.raises(DataError, match="at least 2"):
        FrameFolderVideo(empty, 8, 8)
