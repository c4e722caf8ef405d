"""Tracking data is never dropped or changed silently (issue 50, point 6): skipped folders are
named, file-name case, byte-order marks and macOS ``._*`` files are handled, duplicate frame
numbers and ground truth that does not match the frames are errors unless asked to truncate,
and OTB's multi-target folders are read."""

import codecs
import contextlib
import json
import warnings

import numpy as np
import pytest
from PIL import Image

from cyclekit.errors import CyclekitWarning, DataError
from cyclekit.tracking.frame_folder_video import FrameFolderVideo, load_frame_folders
from cyclekit.tracking.sequences.box_text import read_box_lines
from cyclekit.tracking.sequences.discover import discover_sequences, scan_sequences
from cyclekit.tracking.sequences.frames import numbered_frames
from cyclekit.tracking.sequences.otb import load_otb, load_otb_targets
from cyclekit.tracking.sequences.pysot_json import load_pysot_json
from cyclekit.tracking.sequences.vot import load_vot


def _frames(folder, numbers, suffix=".jpg", digits=4):
    folder.mkdir(parents=True, exist_ok=True)
    for n in numbers:
        Image.new("RGB", (12, 10), (n % 255, 0, 0)).save(folder / f"{n:0{digits}d}{suffix}")


def _otb(root, name, count, frames=None, gt_name="groundtruth_rect.txt", img="img"):
    folder = root / name
    _frames(folder / img, range(1, (frames or count) + 1))
    (folder / gt_name).write_text("1,1,4,4\n" * count)
    return folder


@contextlib.contextmanager
def _no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", CyclekitWarning)
        yield


# -- every folder of frames is loaded or named ------------------------------------------------

def test_frame_folders_without_ground_truth_are_named_with_the_reason(tmp_path):
    _otb(tmp_path, "Alpha", 3)
    _frames(tmp_path / "Unlabelled" / "img", range(1, 4))          # OTB layout, no GT
    _frames(tmp_path / "clips" / "Loose", range(1, 3))             # frames in the folder itself
    (tmp_path / "clips" / "Loose" / "gt.txt").write_text("1,1,4,4\n")
    (tmp_path / "notes").mkdir()                                   # no frames: not a candidate
    with pytest.warns(CyclekitWarning) as caught:
        sequences = discover_sequences(tmp_path)
    assert [s.name for s in sequences] == ["Alpha"]
    unlabelled, loose = (str(w.message) for w in caught)  # in the order of the walk
    assert "not a tracking sequence, skipped: " in unlabelled
    assert "Unlabelled: 3 frames in img/ but no ground truth" in unlabelled
    assert "Loose: 2 frames but no ground truth" in loose and "text files there: gt.txt" in loose
    _, skipped = scan_sequences(tmp_path)
    assert [f.folder.name for f in skipped] == ["Unlabelled", "Loose"]


def test_a_tree_of_unlabelled_frames_only_is_an_error_naming_a_folder(tmp_path):
    _frames(tmp_path / "a" / "img", [1, 2])
    _frames(tmp_path / "b", [1, 2])
    with pytest.raises(DataError, match=r"no tracking sequences under .*a: 2 frames in img/ "
                                        r"but no ground truth .*\(and 1 more such folders\)"):
        discover_sequences(tmp_path)


def test_an_img_folder_given_alone_points_to_its_sequence(tmp_path):
    folder = _otb(tmp_path, "Zed", 2)
    with pytest.raises(DataError, match="frames of the sequence .*Zed; pass that folder"):
        discover_sequences(folder / "img")


def test_loaded_sequences_raise_no_warning(tmp_path):
    _otb(tmp_path, "Alpha", 3)
    _frames(tmp_path / "bag" / "color", [1, 2, 3], digits=8)
    (tmp_path / "bag" / "groundtruth.txt").write_text("1,1,5,1,5,3,1,3\n" * 3)
    with _no_warnings():
        assert [s.name for s in discover_sequences(tmp_path)] == ["Alpha", "bag"]


def test_multi_target_otb_folders_are_read_as_name_k(tmp_path):
    folder = tmp_path / "Jogging"
    _frames(folder / "img", range(1, 4))
    (folder / "groundtruth_rect.1.txt").write_text("1,1,4,4\n" * 3)
    (folder / "groundtruth_rect.2.txt").write_text("2,2,5,5\n" * 3)
    assert [s.name for s in discover_sequences(tmp_path)] == ["Jogging-1", "Jogging-2"]
    second = load_otb_targets(folder)[1]
    np.testing.assert_array_equal(second.boxes, [[2, 2, 5, 5]] * 3)
    with pytest.raises(DataError, match=r"holds 2 targets \(Jogging-1, Jogging-2\)"):
        load_otb(folder)


# -- file-name case, byte-order marks, ._ files, duplicate numbers ------------------------------

@pytest.mark.parametrize("gt_name,img", [("groundtruth_rect.TXT", "img"),
                                         ("GroundTruth_Rect.txt", "IMG"),
                                         ("groundtruth_rect.txt", "Img")])
def test_otb_names_in_any_letter_case(tmp_path, gt_name, img):
    _otb(tmp_path, "Case", 3, gt_name=gt_name, img=img)
    (sequence,) = discover_sequences(tmp_path)
    assert sequence.name == "Case" and len(sequence) == 3


def test_vot_names_in_any_letter_case(tmp_path):
    folder = tmp_path / "bag"
    _frames(folder / "Color", [1, 2], digits=8)
    (folder / "GROUNDTRUTH.TXT").write_text("1,1,5,1,5,3,1,3\n" * 2)
    (sequence,) = discover_sequences(tmp_path)
    assert sequence.name == "bag" and sequence.frames[0].parent.name == "Color"


def test_two_ground_truth_files_differing_only_in_case_are_an_error(tmp_path):
    folder = _otb(tmp_path, "Both", 2)
    (folder / "groundtruth_rect.TXT").write_text("1,1,4,4\n" * 2)
    if len(list(folder.iterdir())) < 3:
        pytest.skip("case-insensitive file system")
    with pytest.raises(DataError, match="groundtruth_rect.TXT and groundtruth_rect.txt differ "
                                        "only in letter case"):
        load_otb(folder)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_byte_order_marks(tmp_path, encoding):
    folder = _otb(tmp_path, "Bom", 2)
    (folder / "groundtruth_rect.txt").write_bytes("1\t2\t3\t4\r\n5\t6\t7\t8\r\n".encode(encoding))
    (folder / "cfg.json").write_bytes(json.dumps({"startFrame": 1, "endFrame": 2})
                                      .encode(encoding))
    np.testing.assert_array_equal(load_otb(folder).boxes, [[1, 2, 3, 4], [5, 6, 7, 8]])


def test_not_a_text_file_is_one_data_error(tmp_path):
    path = tmp_path / "gt.txt"
    path.write_bytes(b"1,2,3,\xff\n")
    with pytest.raises(DataError, match="not a text file in UTF-8"):
        read_box_lines(path)


def test_crlf_tabs_and_no_final_newline_like_car4(tmp_path):
    folder = _otb(tmp_path, "Car4", 3)
    (folder / "groundtruth_rect.txt").write_bytes(b"70\t51\t107\t87\r\n71\t52\t107\t87\r\n"
                                                  b"72\t53\t108\t88")
    assert load_otb(folder).boxes[2].tolist() == [72, 53, 108, 88]


def test_macos_resource_forks_are_not_frames(tmp_path):
    folder = _otb(tmp_path, "Mac", 3)
    for n in (1, 2, 3):
        (folder / "img" / f"._{n:04d}.jpg").write_bytes(b"\x00\x05\x16\x07 not an image")
    assert [p.name for p in numbered_frames(folder / "img")] == ["0001.jpg", "0002.jpg",
                                                                 "0003.jpg"]
    sequence = load_otb(folder)
    assert all(not p.name.startswith("._") for p in sequence.frames)
    sequence.read_frame(0)
    macosx = tmp_path / "__MACOSX" / "Mac" / "img"  # the folder macOS zips carry: no frames
    macosx.mkdir(parents=True)
    (macosx / "._0001.jpg").write_bytes(b"\x00\x05\x16\x07")
    with _no_warnings():
        assert [s.name for s in discover_sequences(tmp_path)] == ["Mac"]


def test_two_files_with_the_same_frame_number_are_an_error_naming_both(tmp_path):
    folder = _otb(tmp_path, "Dup", 3)
    _frames(folder / "img", [2], suffix=".png")
    with pytest.raises(DataError, match="0002.jpg and 0002.png both have frame number 2"):
        load_otb(folder)
    with pytest.raises(DataError, match="both have frame number 2"):
        FrameFolderVideo(folder, 8, 8)


def test_frame_folders_for_training_skip_resource_forks_and_match_case(tmp_path):
    _frames(tmp_path / "clip" / "IMG", range(1, 4))
    (tmp_path / "clip" / "IMG" / "._0001.jpg").write_bytes(b"\x00\x05\x16\x07")
    (video,) = load_frame_folders([tmp_path], 8, 6)
    assert len(video) == 3 and video.frame(0).shape == (6, 8, 3)


# -- ground truth that does not match the frames -----------------------------------------------

def test_more_boxes_than_frames_names_both_counts(tmp_path):
    folder = _otb(tmp_path, "Long", 5, frames=3)
    with pytest.raises(DataError, match=r"has 5 boxes but .*img has 3 frames"):
        load_otb(folder)
    with pytest.warns(CyclekitWarning, match="kept the first 3 of both"):
        assert len(load_otb(folder, truncate=True)) == 3


def test_more_frames_than_boxes_through_discovery(tmp_path):
    _otb(tmp_path, "Short", 4, frames=6)
    with pytest.raises(DataError, match=r"has 4 boxes but .* has 6 frames"):
        discover_sequences(tmp_path)
    with pytest.warns(CyclekitWarning, match="Short: groundtruth_rect.txt has 4 boxes"):
        (sequence,) = discover_sequences(tmp_path, truncate=True)
    assert [p.name for p in sequence.frames] == ["0001.jpg", "0002.jpg", "0003.jpg", "0004.jpg"]


def test_a_declared_range_is_not_a_mismatch(tmp_path):
    cfg = _otb(tmp_path, "Cfg", 3, frames=6)
    (cfg / "cfg.json").write_text(json.dumps({"startFrame": 2, "endFrame": 4}))
    diving = _otb(tmp_path, "Diving", 215, frames=231)  # OTB's own range: frames 1-215
    with _no_warnings():
        assert [p.name for p in load_otb(cfg).frames] == ["0002.jpg", "0003.jpg", "0004.jpg"]
        assert len(load_otb(diving)) == 215


def test_start_frame_without_end_frame_still_checks_the_count(tmp_path):
    folder = _otb(tmp_path, "Start", 3, frames=6)
    (folder / "cfg.json").write_text(json.dumps({"startFrame": 2}))
    with pytest.raises(DataError, match="has 3 boxes but .* has 5 frames from frame 2 on"):
        load_otb(folder)


def test_vot_more_frames_than_lines(tmp_path):
    folder = tmp_path / "bag"
    _frames(folder / "imgs", range(1, 6), digits=8)
    (folder / "groundtruth.txt").write_text("1,1,5,1,5,3,1,3\n" * 3)
    with pytest.raises(DataError, match="3 ground-truth lines but 5 frames"):
        load_vot(folder)
    with pytest.warns(CyclekitWarning, match="kept the first 3 of both"):
        assert len(load_vot(folder, truncate=True)) == 3


def test_vot_frame_numbers_with_a_gap_are_an_error(tmp_path):
    folder = tmp_path / "bag"
    _frames(folder / "imgs", [1, 2, 4], digits=8)
    (folder / "groundtruth.txt").write_text("1,1,5,1,5,3,1,3\n" * 3)
    with pytest.raises(DataError, match="frame 3 is missing from"):
        load_vot(folder)


def test_pysot_json_truncate(tmp_path):
    _frames(tmp_path / "A" / "img", [1, 2])
    path = tmp_path / "Mini.json"
    path.write_bytes(codecs.BOM_UTF8 + json.dumps(
        {"A": {"img_names": ["A/img/0001.jpg", "A/img/0002.jpg"], "gt_rect": [[1, 1, 4, 4]]}}
    ).encode())
    with pytest.raises(DataError, match="2 img_names but 1 gt_rect rows"):
        load_pysot_json(path)
    with pytest.warns(CyclekitWarning, match="kept the first 1 of both"):
        (sequence,) = load_pysot_json(path, truncate=True)
    assert len(sequence) == 1
