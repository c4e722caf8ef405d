"""``cyclekit track run TRACKER VIDEO --init x,y,w,h --out boxes.txt`` on generated footage:
a bright square moving over noise, as a frame folder and as a video file."""

import sys

import numpy as np
import pytest
from PIL import Image

from cyclekit.cli import main

FRAMES, WIDTH, HEIGHT, SIDE = 20, 64, 48, 12


def _square_frames():
    """Frames (H, W, 3) uint8 and the 1-based truth boxes of the square."""
    rng = np.random.default_rng(0)
    frames, truth = [], []
    for t in range(FRAMES):
        # grey noise: a yuv420p video keeps it (colour noise would be lost to the chroma
        # subsampling)
        image = rng.integers(0, 90, (HEIGHT, WIDTH, 1), dtype=np.uint8).repeat(3, axis=2)
        x, y = 6 + 2 * t, 8 + t
        image[y:y + SIDE, x:x + SIDE] = 230
        image[y + 3:y + 6, x + 3:x + 9] = 140  # some texture inside the square
        frames.append(image)
        truth.append([x + 1, y + 1, SIDE, SIDE])
    return frames, np.array(truth, float)


def _iou(a, b):
    x1, y1 = np.maximum(a[:, 0], b[:, 0]), np.maximum(a[:, 1], b[:, 1])
    x2 = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    y2 = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    return inter / (a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter)


def _init(truth):
    return ",".join(str(int(v)) for v in truth[0])


@pytest.fixture
def frame_folder(tmp_path):
    frames, truth = _square_frames()
    folder = tmp_path / "square"
    folder.mkdir()
    for t, image in enumerate(frames):
        Image.fromarray(image).save(folder / f"frame{t}.png")  # frame2 before frame10
    (folder / "._frame0.png").write_bytes(b"\0\5\26\7")  # a macOS resource fork, not a frame
    (folder / "notes.txt").write_text("not a frame\n")
    return folder, truth


def _write_video(path, frames, codec=None):
    av = pytest.importorskip("av")
    codec = codec or ("libx264" if "libx264" in av.codecs_available else "mpeg4")
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"crf": "0"} if codec == "libx264" else {"qscale": "1"}
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _boxes(path):
    return np.loadtxt(path, delimiter=",", ndmin=2)


def test_track_frame_folder_from_init(frame_folder, tmp_path, capsys):
    folder, truth = frame_folder
    out = tmp_path / "results" / "boxes.txt"
    assert main(["track", "run", "ncc", str(folder), "--init", _init(truth),
                 "--out", str(out), "--threads", "1"]) == 0
    assert f"square: {FRAMES} frames" in capsys.readouterr().out
    boxes = _boxes(out)
    assert boxes.shape == (FRAMES, 4)
    np.testing.assert_allclose(boxes[0], truth[0])  # the init box, 1-based, on the first line
    assert (_iou(boxes, truth) > 0.3).mean() >= 0.8
    assert [p.name for p in out.parent.iterdir()] == ["boxes.txt"]  # nothing else left


def test_track_otb_folder_with_init_ignores_its_ground_truth(tmp_path, capsys):
    from tests.tracking.conftest import write_moving_patch

    gt = write_moving_patch(tmp_path / "Patch")
    out = tmp_path / "boxes.txt"
    assert main(["track", "run", "ncc", str(tmp_path / "Patch"), "--init",
                 ",".join(str(int(v)) for v in gt[0]), "--out", str(out)]) == 0
    boxes = _boxes(out)
    assert len(boxes) == len(gt) and (_iou(boxes, gt) > 0.5).all()


def test_track_video_file_from_init(tmp_path, capsys):
    frames, truth = _square_frames()
    video = tmp_path / "square.mp4"
    _write_video(video, frames)
    from cyclekit.tracking.video import VideoFile

    decoded = list(VideoFile(video).frames())
    assert len(decoded) == FRAMES and decoded[0].shape == (HEIGHT, WIDTH, 3)
    assert np.abs(decoded[5].astype(int) - frames[5]).mean() < 3
    out = tmp_path / "boxes.txt"
    assert main(["track", "run", "ncc", str(video), "--init", _init(truth),
                 "--out", str(out), "--threads", "1"]) == 0
    assert f"square: {FRAMES} frames" in capsys.readouterr().out
    boxes = _boxes(out)
    assert boxes.shape == (FRAMES, 4)
    assert (_iou(boxes, truth) > 0.3).mean() >= 0.8


def _tree(root):
    return sorted((str(p.relative_to(root)), p.is_dir() or p.read_bytes()) for p in root.rglob("*"))


def test_bad_footage_inputs_are_one_line(frame_folder, tmp_path, capsys):
    folder, truth = frame_folder
    init = _init(truth)
    (tmp_path / "empty").mkdir()
    (tmp_path / "only_text").mkdir()
    (tmp_path / "only_text" / "a.txt").write_text("x\n")
    (tmp_path / "broken.mp4").write_bytes(b"this is not a video file at all\n" * 20)
    (tmp_path / "outdir").mkdir()
    _write_video(tmp_path / "whole.avi", _square_frames()[0], codec="mpeg4")
    whole = (tmp_path / "whole.avi").read_bytes()
    (tmp_path / "cut.avi").write_bytes(whole[:len(whole) * 2 // 3])
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    Image.fromarray(np.zeros((HEIGHT, WIDTH, 3), np.uint8)).save(mixed / "1.png")
    Image.fromarray(np.zeros((10, 10, 3), np.uint8)).save(mixed / "2.png")
    out = str(tmp_path / "boxes.txt")
    cases = [
        ([str(folder), "--init", "1,2,3", "--out", out], "give the target's box as x,y,w,h"),
        ([str(folder), "--init", "a,b,c,d", "--out", out], "give the target's box as x,y,w,h"),
        ([str(folder), "--init", "1,2,nan,4", "--out", out], "give the target's box"),
        ([str(folder), "--init", "1,2,0,4", "--out", out], "width and height must be above 0"),
        ([str(folder), "--init", "65,10,5,5", "--out", out],
         "the box lies outside the first frame (64x48 pixels"),
        ([str(folder), "--init=-10,1,10,5", "--out", out], "lies outside the first frame"),
        ([str(tmp_path / "broken.mp4"), "--init", init, "--out", out], "cannot be decoded"),
        ([str(tmp_path / "cut.avi"), "--init", init, "--out", out],
         f"of the {FRAMES} frames its header declares can be decoded"),
        ([str(tmp_path / "empty"), "--init", init, "--out", out], "no image files"),
        ([str(tmp_path / "only_text"), "--init", init, "--out", out], "no image files"),
        ([str(tmp_path / "none"), "--init", init, "--out", out],
         "no such frame folder or video file"),
        ([str(mixed), "--init", init, "--out", out], "the frames of a video share one size"),
        ([str(folder), str(folder), "--init", init, "--out", out],
         "--init tracks one frame folder or video file, got 2 paths"),
        ([str(folder), "--init", init, "--out", str(tmp_path / "outdir")],
         "outdir is a folder; with --init, --out names the box file"),
        ([str(folder), "--init", init, "--out", str(tmp_path / "notes" / "x" / "b.txt")], None),
    ]
    (tmp_path / "notes").write_text("a file\n")
    cases[-1] = (cases[-1][0], "cannot be created")
    before = _tree(tmp_path)
    for argv, message in cases:
        assert main(["track", "run", "ncc", *argv]) == 2, argv
        error = capsys.readouterr().err
        assert message in error and error.count("\n") == 1, (argv, error)
    assert _tree(tmp_path) == before  # nothing written


def test_video_file_without_pyav_is_one_line(tmp_path, capsys, monkeypatch):
    (tmp_path / "clip.mp4").write_bytes(b"\0" * 100)
    monkeypatch.setitem(sys.modules, "av", None)  # import av raises ImportError
    assert main(["track", "run", "ncc", str(tmp_path / "clip.mp4"), "--init", "1,1,4,4",
                 "--out", str(tmp_path / "b.txt")]) == 2
    error = capsys.readouterr().err
    assert "needs PyAV, which is not installed: pip install av" in error
    assert error.count("\n") == 1 and not (tmp_path / "b.txt").exists()
