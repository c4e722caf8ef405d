"""Protocol rules of the tracking metrics on tiny hand-made sequences, computed by hand."""

from pathlib import Path

import numpy as np
import pytest

from cyclekit.errors import ConfigError, DataError
from cyclekit.tracking.protocols import (
    PROTOCOLS,
    get_protocol,
    overlap_continuous,
    overlap_matlab,
)
from cyclekit.tracking.sequences.sequence import Sequence
from cyclekit.tracking.success_precision import curves, evaluate_sequences, frame_scores

BOX = [1.0, 1.0, 10.0, 10.0]  # x, y > 0: LaSOT counts a GT box only if all four are > 0


def _summary(protocol, gt, pred, absent=None, image_size=None):
    proto = get_protocol(protocol)
    scores = frame_scores(proto, np.array(gt, float), np.array(pred, float),
                          None if absent is None else np.array(absent), image_size)
    return scores, curves(proto, scores)


def _sequence(name, gt, absent=None):
    return Sequence(name, tuple(Path(f"{name}/{i:04d}.jpg") for i in range(len(gt))),
                    np.array(gt, float), absent=absent)


@pytest.mark.parametrize("protocol", ["pysot_otb", "lasot"])
def test_auc_precision_and_normalised_precision_by_hand(protocol):
    # frame 2: pred shifted 5 px -> IoU 50 / 150 = 1/3, centre error 5 px, normalised 0.5
    _, curve = _summary(protocol, [BOX, BOX], [BOX, [6, 1, 10, 10]])
    expected = np.array([1.0] * 7 + [0.5] * 13 + [0.0])  # 1/3 > t for t = 0 .. 0.30
    np.testing.assert_allclose(curve["success"], expected)
    assert np.mean(curve["success"]) == pytest.approx(13.5 / 21)
    assert curve["precision"][20] == pytest.approx(1.0)
    assert curve["precision"][4] == pytest.approx(0.5) and curve["precision"][5] == pytest.approx(1)
    assert curve["norm_precision"][20] == pytest.approx(0.5)  # 0.5 > 0.2
    assert curve["norm_precision"][50] == pytest.approx(1.0)  # 0.5 <= 0.5


def test_success_counts_iou_strictly_above_the_threshold():
    _, curve = _summary("pysot_otb", [BOX], [[1, 1, 10, 5]])  # IoU exactly 0.5
    assert curve["success"][9] == 1.0 and curve["success"][10] == 0.0


def test_pysot_first_frame_counts_lasot_replaces_it_got10k_skips_it():
    gt, pred = [BOX, BOX], [[50, 50, 10, 10], BOX]
    assert np.mean(_summary("pysot_otb", gt, pred)[1]["success"]) == pytest.approx(10 / 21)
    assert np.mean(_summary("lasot", gt, pred)[1]["success"]) == pytest.approx(20 / 21)
    scores, curve = _summary("got10k", gt, pred, image_size=(100, 100))
    assert len(scores.ious) == 1 and scores.denominator == 1
    assert np.mean(curve["success"]) == pytest.approx(100 / 101)


def test_zero_size_gt_is_an_iou_miss_but_stays_in_the_denominator():
    scores, curve = _summary("pysot_otb", [BOX, [3, 3, 0, 5]], [BOX, [3, 3, 0, 5]])
    assert scores.denominator == 2 and scores.ious[1] == -1
    assert np.mean(curve["success"]) == pytest.approx(10 / 21)
    assert curve["precision"][0] == pytest.approx(1.0)  # its centre (2.5, 5) is > 0: error 0


def test_gt_centre_not_positive_counts_as_a_precision_hit_in_pysot():
    scores, curve = _summary("pysot_otb", [BOX, [-5, 2, 4, 4]], [BOX, [100, 100, 4, 4]])
    assert scores.center_errors[1] == -1
    assert curve["precision"][20] == pytest.approx(1.0)  # far away, yet a hit: pysot's rule
    assert np.mean(curve["success"]) == pytest.approx(10 / 21)


def test_gt_with_x_zero_is_valid_for_pysot_but_not_for_lasot():
    gt = [BOX, [0, 5, 10, 10]]
    far = [BOX, [50, 50, 10, 10]]
    _, pysot = _summary("pysot_otb", gt, far)
    _, lasot = _summary("lasot", gt, far)
    assert pysot["precision"][20] == pytest.approx(0.5)  # a real 64 px miss
    assert lasot["precision"][20] == pytest.approx(1.0)  # uncounted frame: a hit
    _, exact_pysot = _summary("pysot_otb", gt, gt)
    _, exact_lasot = _summary("lasot", gt, gt)
    assert exact_pysot["success"][10] == pytest.approx(1.0)
    assert exact_lasot["success"][10] == pytest.approx(0.5)  # x = 0 -> IoU miss


def test_lasot_carries_invalid_predictions_forward_pysot_does_not():
    gt = [BOX, BOX, BOX]
    pred = [BOX, [6, 1, 10, 10], [2, 2, 0, 5]]
    lasot = _summary("lasot", gt, pred)[1]["success"]
    pysot = _summary("pysot_otb", gt, pred)[1]["success"]
    assert np.mean(lasot) == pytest.approx((20 + 7 + 7) / 63)
    assert np.mean(pysot) == pytest.approx((20 + 7) / 63)
    nan_pred = [BOX, [6, 1, 10, 10], [np.nan] * 4]
    assert np.mean(_summary("lasot", gt, nan_pred)[1]["success"]) == pytest.approx(34 / 63)


@pytest.mark.parametrize("protocol", ["pysot_otb", "lasot"])
def test_absent_frames_are_misses_for_pysot_and_lasot(protocol):
    scores, curve = _summary(protocol, [BOX] * 4, [BOX] * 4, [False, True, False, False])
    assert len(scores.ious) == 3 and round(scores.denominator) == 4
    assert np.mean(curve["success"]) == pytest.approx(15 / 21)


def test_absent_frames_leave_the_got10k_denominator():
    scores, curve = _summary("got10k", [BOX] * 4, [BOX] * 4, [False, True, False, False],
                             image_size=(100, 100))
    assert scores.denominator == 2
    assert np.mean(curve["success"]) == pytest.approx(100 / 101)


def test_got10k_clips_boxes_to_the_image():
    gt, pred = [BOX, [10, 10, 10, 10]], [BOX, [10, 10, 20, 20]]
    got10k, _ = _summary("got10k", gt, pred, image_size=(20, 20))
    pysot, _ = _summary("pysot_otb", gt, pred)
    assert got10k.ious[0] == pytest.approx(1.0)  # the 20x20 box is clipped to 10x10
    assert pysot.ious[1] == pytest.approx(0.25)
    with pytest.raises(DataError, match="image size"):
        _summary("got10k", gt, pred)


def test_matlab_pixel_convention_cancels_in_the_iou():
    a, b = np.array([[1.0, 1, 2, 2]]), np.array([[2.0, 2, 2, 2]])
    assert overlap_matlab(a, b)[0] == pytest.approx(1 / 7)  # not (2*2)/(3*3+3*3-4)
    rng = np.random.default_rng(0)
    boxes = np.concatenate([rng.uniform(0, 50, (200, 2)), rng.uniform(1, 30, (200, 2))], 1)
    others = np.concatenate([rng.uniform(0, 50, (200, 2)), rng.uniform(1, 30, (200, 2))], 1)
    np.testing.assert_allclose(overlap_matlab(boxes, others), overlap_continuous(boxes, others))


def test_sequence_means_mean_nonzero_and_pooled():
    perfect = _sequence("a", [BOX, BOX, BOX])
    lost = _sequence("b", [BOX, BOX], absent=np.array([True, False]))
    preds = {"a": np.array([BOX] * 3), "b": np.array([BOX, [60, 60, 10, 10]])}
    pysot = evaluate_sequences("pysot_otb", [perfect, lost], preds)
    lasot = evaluate_sequences("lasot", [perfect, lost], preds)
    assert pysot["mean"]["auc"] == pytest.approx((20 / 21 + 0) / 2)
    assert lasot["sequences"]["b"]["auc"] == 0
    assert lasot["mean"]["auc"] == pytest.approx(20 / 21)  # the all-zero sequence is left out
    assert lasot["mean"]["precision"] == pytest.approx(1.0)


def test_got10k_pools_frames_over_sequences(tmp_path):
    from PIL import Image

    sequences = []
    for name, count in (("a", 3), ("b", 2)):
        (tmp_path / name).mkdir()
        frames = []
        for i in range(count):
            Image.new("RGB", (100, 100)).save(tmp_path / name / f"{i:04d}.png")
            frames.append(tmp_path / name / f"{i:04d}.png")
        sequences.append(Sequence(name, tuple(frames), np.array([BOX] * count)))
    preds = {"a": np.array([BOX] * 3), "b": np.array([BOX, [60, 60, 10, 10]])}
    report = evaluate_sequences("got10k", sequences, preds)
    assert report["mean"]["ao"] == pytest.approx(2 / 3)  # pooled; the per-sequence mean is 1/2
    assert report["sequences"]["b"]["ao"] == 0 and report["sequences"]["a"]["sr50"] == 1


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
def test_every_result_records_its_protocol(protocol, tmp_path):
    from PIL import Image

    Image.new("RGB", (40, 40)).save(tmp_path / "0001.png")
    Image.new("RGB", (40, 40)).save(tmp_path / "0002.png")
    seq = Sequence("s", (tmp_path / "0001.png", tmp_path / "0002.png"), np.array([BOX, BOX]))
    report = evaluate_sequences(protocol, [seq], {"s": np.array([BOX, BOX])})
    assert report["protocol"] == protocol and report["rules"]
    assert set(report["mean"]) >= {"auc", "precision", "norm_precision"}


def test_result_length_rules():
    gt = np.array([BOX] * 3)
    for protocol in ("pysot_otb", "got10k"):
        with pytest.raises(DataError, match="2 predicted boxes for 3"):
            frame_scores(protocol, gt, gt[:2], image_size=(50, 50))
    longer = np.array([BOX] * 5)
    assert len(frame_scores("lasot", gt, longer).ious) == 3  # LaSOT truncates
    with pytest.raises(DataError, match="2 predicted boxes for 3"):
        frame_scores("lasot", gt, gt[:2])


def test_unknown_protocol_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown tracking protocol 'otb'"):
        get_protocol("otb")
