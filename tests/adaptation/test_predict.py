"""``cyclekit predict``: a tiny CDLM run labels image files of odd sizes and modes; errors
are one line."""

import copy
import csv
import json

import numpy as np
import pytest
import torch
from PIL import Image

from cyclekit.adaptation.predict import load_images
from cyclekit.cli import main
from cyclekit.config import build_config, save_config
from cyclekit.engine.checkpoint import save_checkpoint
from cyclekit.engine.loading import build_method, load_trained_method
from cyclekit.engine.trainer import train
from tests.conftest import TINY, TINY_UDA


@pytest.fixture(scope="module")
def cdlm_run(tmp_path_factory):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    run_dir = tmp_path_factory.mktemp("predict") / "run"
    metrics = train(build_config({"method": "cdlm", **copy.deepcopy(TINY_UDA["cdlm"])}), run_dir,
                    progress=False)
    torch.set_num_threads(threads)
    return run_dir, metrics


def _images(folder):
    rng = np.random.default_rng(0)
    folder.mkdir()
    (folder / "nested").mkdir()
    Image.fromarray(rng.integers(0, 255, (7, 5), dtype=np.uint8), "L").save(folder / "grey.png")
    Image.fromarray(rng.integers(0, 255, (33, 40, 4), dtype=np.uint8), "RGBA").save(
        folder / "nested" / "alpha.png")
    Image.fromarray(rng.integers(0, 255, (21, 19, 3), dtype=np.uint8), "RGB").convert(
        "P").save(folder / "nested" / "palette.gif")
    Image.fromarray(rng.integers(0, 65535, (9, 13), dtype=np.uint16)).save(folder / "deep.png")
    Image.fromarray(rng.integers(0, 255, (64, 48, 3), dtype=np.uint8), "RGB").save(
        folder / "photo.jpg")
    (folder / "notes.txt").write_text("not an image")
    return sorted(p for p in folder.rglob("*") if p.suffix != ".txt" and p.is_file())


def test_evaluation_reports_the_adaptation_metrics(cdlm_run):
    run_dir, metrics = cdlm_run
    assert metrics["test/target_acc"] == pytest.approx(
        json.loads((run_dir / "metrics.json").read_text())["test/target_acc"])
    saved = json.loads((run_dir / "metrics.json").read_text())
    for key in ("test/target_acc", "test/target_acc_feature", "test/source_acc"):
        assert 0.0 <= saved[key] <= 1.0
    for key in ("test/a_distance_raw", "test/a_distance_feature"):
        assert -2.0 <= saved[key] <= 2.0
    assert 0.0 < saved["test/mse_ts"] < 4.0 and "test/ssim_ts" in saved  # digits are paired
    assert saved["eval/checkpoint_rule"] == "last"


def test_predict_labels_files_and_folders_of_any_size_and_mode(cdlm_run, tmp_path):
    run_dir, _ = cdlm_run
    files = _images(tmp_path / "images")
    out = tmp_path / "preds.csv"
    assert main(["predict", str(run_dir), str(tmp_path / "images"), "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [row["path"] for row in rows] == [str(p) for p in files]
    assert all(0 <= int(row["label"]) < 10 and 0.0 < float(row["confidence"]) <= 1.0
               for row in rows)
    config, method = load_trained_method(run_dir)
    images = load_images(files, config.data.image_size, config.data.channels)
    assert images.shape == (len(files), 3, 16, 16) and images.min() >= -1 and images.max() <= 1
    labels, _ = method.predict_images(images)
    assert [int(row["label"]) for row in rows] == labels.tolist()
    one = tmp_path / "one.csv"
    assert main(["predict", str(run_dir), str(files[0]), "--out", str(one)]) == 0
    assert next(csv.DictReader(one.open())) == rows[0]  # a label never depends on the others


def test_predict_errors_are_one_line(cdlm_run, tmp_path, capsys):
    run_dir, _ = cdlm_run
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"definitely not a png")
    out = tmp_path / "preds.csv"
    assert main(["predict", str(run_dir), str(broken), "--out", str(out)]) == 2
    assert "cannot read image" in capsys.readouterr().err and not out.exists()
    assert main(["predict", str(tmp_path / "nowhere"), str(broken), "--out", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["predict", str(run_dir), str(tmp_path / "missing.png"), "--out", str(out)]) == 2
    assert "missing.png" in capsys.readouterr().err

    config = build_config({"method": "cyclegan", **copy.deepcopy(TINY)})
    other = tmp_path / "cyclegan_run"
    save_config(config, other / "config.yaml")
    method = build_method(config, torch.device("cpu"))
    save_checkpoint(other / "checkpoints", "step_0000001", method,
                    {"fingerprint": config.fingerprint(), "method_extra": method.extra_state()})
    assert main(["predict", str(other), str(broken), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "cannot label images" in error and len(error.strip().splitlines()) == 1


def test_predict_device_option(cdlm_run, tmp_path, capsys):
    """``--device cuda`` labels as the CPU does where there is a GPU, and fails in one line
    (writing nothing) where there is none."""
    run_dir, _ = cdlm_run
    _images(tmp_path / "images")
    on_cpu, on_gpu = tmp_path / "cpu.csv", tmp_path / "gpu.csv"
    assert main(["predict", str(run_dir), str(tmp_path / "images"), "--out", str(on_cpu),
                 "--device", "cpu"]) == 0
    code = main(["predict", str(run_dir), str(tmp_path / "images"), "--out", str(on_gpu),
                 "--device", "cuda"])
    if not torch.cuda.is_available():
        error = capsys.readouterr().err
        assert code == 2 and "sees no CUDA GPU" in error and len(error.strip().splitlines()) == 1
        assert not on_gpu.exists()
        return
    assert code == 0
    cpu_rows, gpu_rows = (list(csv.DictReader(p.open())) for p in (on_cpu, on_gpu))
    assert [r["label"] for r in gpu_rows] == [r["label"] for r in cpu_rows]
    assert np.allclose([float(r["confidence"]) for r in gpu_rows],
                       [float(r["confidence"]) for r in cpu_rows], atol=1e-3)


def test_images_of_a_domain_framed_like_mnist_are_framed_before_the_resize(tmp_path):
    pixels = np.zeros((16, 16), dtype=np.uint8)
    pixels[:, 4:12] = 255  # fills the frame's height, as a USPS digit does
    Image.fromarray(pixels).save(tmp_path / "usps.png")
    plain = load_images([tmp_path / "usps.png"], 28, 1)
    framed = load_images([tmp_path / "usps.png"], 28, 1, frame_like_mnist_first=True)
    assert plain.shape == framed.shape == (1, 1, 28, 28)
    assert plain[..., 0, :].max() > 0  # the plain resize keeps ink on the top row
    ink_rows = (framed[0, 0] > 0).any(dim=1)
    assert int(ink_rows.sum()) == 20 and not ink_rows[:3].any() and not ink_rows[-3:].any()
