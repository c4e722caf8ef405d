"""Tracking loaders on tiny generated OTB / VOT folders and pysot JSON files."""

import json

import numpy as np
import pytest
from PIL import Image

from cyclekit.errors import ConfigError, CyclekitWarning, DataError
from cyclekit.tracking.sequences.box_text import read_box_lines
from cyclekit.tracking.sequences.discover import discover_sequences
from cyclekit.tracking.sequences.otb import load_otb
from cyclekit.tracking.sequences.pysot_json import load_pysot_json
from cyclekit.tracking.sequences.vot import load_vot, polygons_to_boxes


def _frames(folder, numbers, digits=4, suffix=".jpg"):
    folder.mkdir(parents=True, exist_ok=True)
    for n in numbers:
        Image.new("RGB", (12, 10), (n % 255, 0, 0)).save(folder / f"{n:0{digits}d}{suffix}")


def _otb(root, name, lines, numbers, cfg=None):
    folder = root / name
    _frames(folder / "img", numbers)
    (folder / "groundtruth_rect.txt").write_text("\n".join(lines) + "\n")
    if cfg is not None:
        (folder / "cfg.json").write_text(json.dumps(cfg))
    return folder


@pytest.mark.parametrize("separator", ["\t", ",", " ", ", "])
def test_otb_separators(tmp_path, separator):
    rows = [[1, 2, 3, 4], [5, 6, 7, 8.5]]
    folder = _otb(tmp_path, "Seq", [separator.join(str(v) for v in r) for r in rows], [1, 2])
    sequence = load_otb(folder)
    np.testing.assert_array_equal(sequence.boxes, rows)
    assert sequence.origin == 1 and sequence.name == "Seq" and sequence.valid.all()


def test_otb_frame_offset_from_file_names_like_david(tmp_path):
    folder = _otb(tmp_path, "Walker", ["1,1,4,4"] * 3, range(300, 303))
    sequence = load_otb(folder)
    assert [p.name for p in sequence.frames] == ["0300.jpg", "0301.jpg", "0302.jpg"]


def test_otb_frame_range_from_cfg_json(tmp_path):
    folder = _otb(tmp_path, "Cfg", ["1,1,4,4"] * 3, range(1, 7),
                  cfg={"startFrame": 2, "endFrame": 4, "attributes": ["SV", "OCC"]})
    sequence = load_otb(folder)
    assert [p.name for p in sequence.frames] == ["0002.jpg", "0003.jpg", "0004.jpg"]
    assert sequence.attributes == ("SV", "OCC")


def test_otb_known_benchmark_range_when_img_holds_more_frames(tmp_path):
    folder = _otb(tmp_path, "David", ["1,1,4,4"] * 471, range(1, 771))
    sequence = load_otb(folder)
    assert sequence.frames[0].name == "0300.jpg" and sequence.frames[-1].name == "0770.jpg"


def test_otb_fewer_gt_lines_than_frames_is_an_error_unless_truncated(tmp_path):
    folder = _otb(tmp_path, "Short", ["1,1,4,4"] * 4, range(1, 7))
    with pytest.raises(DataError, match=r"has 4 boxes but .* has 6 frames.*--truncate"):
        load_otb(folder)
    with pytest.warns(CyclekitWarning, match="kept the first 4 of both"):
        assert len(load_otb(folder, truncate=True)) == 4


def test_otb_errors_are_one_line(tmp_path):
    with pytest.raises(DataError, match="no groundtruth_rect.txt"):
        load_otb(tmp_path)
    bad = _otb(tmp_path, "Bad", ["1,2,3,4", "1,2,3"], [1, 2])
    with pytest.raises(DataError, match=r"groundtruth_rect.txt:2: expected 4 numbers, found 3"):
        load_otb(bad)
    gap = _otb(tmp_path, "Gap", ["1,1,4,4"] * 3, [1, 2, 4])
    with pytest.raises(DataError, match="frame 3 is not in"):
        load_otb(gap)
    mismatch = _otb(tmp_path, "Mismatch", ["1,1,4,4"] * 3, [1, 2, 3],
                    cfg={"startFrame": 1, "endFrame": 5})
    with pytest.raises(DataError, match="cfg.json says frames 1-5"):
        load_otb(mismatch)
    text = tmp_path / "words.txt"
    text.write_text("1,2,x,4\n")
    with pytest.raises(DataError, match="not a list of numbers"):
        read_box_lines(text)


def test_nan_and_zero_size_gt_are_invalid_frames(tmp_path):
    folder = _otb(tmp_path, "Holes", ["1,1,4,4", "NaN,NaN,NaN,NaN", "2,2,0,3"], [1, 2, 3])
    sequence = load_otb(folder)
    assert sequence.valid.tolist() == [True, False, False]


def test_polygon_conversions():
    upright = np.array([[1, 1, 5, 1, 5, 3, 1, 3]], float)
    np.testing.assert_allclose(polygons_to_boxes(upright, "minmax"), [[1, 1, 4, 2]])
    # pysot: s = sqrt(8 / 8) = 1, w = 4 + 1, h = 2 + 1, centre (3, 2) -> x = 3 - 2, y = 2 - 1
    np.testing.assert_allclose(polygons_to_boxes(upright, "pysot"), [[1, 1, 5, 3]])
    diamond = np.array([[0, 1, 1, 0, 2, 1, 1, 2]], float)  # a square of side sqrt(2) at 45 deg
    side = np.sqrt(0.5) * 2 + 1
    np.testing.assert_allclose(polygons_to_boxes(diamond, "pysot"),
                               [[1 - (side - 1) / 2, 1 - (side - 1) / 2, side, side]])
    np.testing.assert_allclose(polygons_to_boxes(diamond, "minmax"), [[0, 0, 2, 2]])
    with pytest.raises(ConfigError, match="unknown VOT box conversion"):
        polygons_to_boxes(diamond, "rotated")


def test_vot_folder(tmp_path):
    folder = tmp_path / "bag"
    _frames(folder / "imgs", range(1, 4), digits=8)
    (folder / "groundtruth.txt").write_text("1,1,5,1,5,3,1,3\n" * 3)
    sequence = load_vot(folder, "minmax")
    assert sequence.origin == 0 and len(sequence) == 3
    np.testing.assert_allclose(sequence.boxes, [[1, 1, 4, 2]] * 3)
    (folder / "groundtruth.txt").write_text("1,1,5,1,5,3,1,3\n" * 4)
    with pytest.raises(DataError, match="4 ground-truth lines but 3 frames"):
        load_vot(folder)


def test_pysot_json(tmp_path):
    _frames(tmp_path / "A" / "img", [1, 2])
    meta = {"A": {"video_dir": "A", "init_rect": [1, 1, 4, 4],
                  "img_names": ["A/img/0001.jpg", "A/img/0002.jpg"],
                  "gt_rect": [[1, 1, 4, 4], [1, 1, 5, 1, 5, 3, 1, 3]], "attr": ["SV"],
                  "absent": [1, 0]}}
    path = tmp_path / "Mini.json"
    path.write_text(json.dumps(meta))
    (sequence,) = load_pysot_json(path)
    assert sequence.frames[1] == tmp_path / "A" / "img" / "0002.jpg"
    np.testing.assert_allclose(sequence.boxes[1], [1, 1, 5, 3])
    assert sequence.absent.tolist() == [False, True]  # pysot's "absent" is 1 when visible
    meta["A"]["gt_rect"] = meta["A"]["gt_rect"][:1]
    path.write_text(json.dumps(meta))
    with pytest.raises(DataError, match="2 img_names but 1 gt_rect rows"):
        load_pysot_json(path)


def test_discover_sequences(tmp_path):
    _otb(tmp_path / "otb", "Zed", ["1,1,4,4"] * 2, [1, 2])
    _otb(tmp_path / "otb", "Alpha", ["1\t1\t4\t4"] * 2, [1, 2])
    vot = tmp_path / "vot" / "bag"
    _frames(vot / "imgs", [1, 2], digits=8)
    (vot / "groundtruth.txt").write_text("1,1,5,1,5,3,1,3\n" * 2)
    assert [s.name for s in discover_sequences(tmp_path)] == ["Alpha", "Zed", "bag"]
    assert [s.name for s in discover_sequences(tmp_path / "otb" / "Zed")] == ["Zed"]
    with pytest.raises(DataError, match="no tracking sequences"):
        discover_sequences(tmp_path / "otb" / "Zed" / "img")
    _otb(tmp_path / "more", "Zed", ["1,1,4,4"] * 2, [1, 2])
    with pytest.raises(DataError, match=r"\['Zed'\] occur more than once"):
        discover_sequences(tmp_path)
