"""``cyclekit export``: ONNX files that onnxruntime runs to PyTorch's outputs (max abs
difference <= 1e-4), TorchScript round trips, the JSON sidecar, and one-line errors that
leave nothing written."""

import json

import numpy as np
import pytest
import torch

import cyclekit
from cyclekit.cli import main
from cyclekit.config import build_config, save_config
from cyclekit.export import export_run
from tests.api_runs import (  # noqa: F401  (the fixtures adaptation_run, translation_run)
    adaptation_run_fixture,
    image_files,
    trained_run,
    translation_run_fixture,
)
from tests.conftest import TINY_BY_METHOD

TOLERANCE = 1e-4
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")


def _session(path):
    ort = pytest.importorskip("onnxruntime")
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _images(shape, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(*shape, generator=generator) * 2 - 1


def test_translation_generators_to_onnx_match_pytorch(translation_run, tmp_path, capsys):
    pytest.importorskip("onnx")
    out = tmp_path / "export" / "gen.onnx"
    assert main(["export", str(translation_run), "--format", "onnx", "--out", str(out)]) == 0
    assert "gen.x2y.onnx" in capsys.readouterr().out
    method = cyclekit.load(translation_run).method
    for direction, generator in (("x2y", method.f), ("y2x", method.g)):
        path = out.with_name(f"gen.{direction}.onnx")
        sidecar = json.loads(path.with_name(path.name + ".json").read_text())
        assert sidecar["input"]["shape"] == ["N", 3, 16, 16]
        assert sidecar["input"]["range"] == [-1, 1] and sidecar["input"]["dtype"] == "float32"
        assert sidecar["direction"] == direction and sidecar["method"] == "cyclegan"
        images = _images((5, 3, 16, 16))  # another batch size than the export's example
        (onnx_out,) = _session(path).run(None, {"images": images.numpy()})
        with torch.no_grad():
            reference = generator(images).numpy()
        assert onnx_out.shape == reference.shape
        assert np.abs(onnx_out - reference).max() <= TOLERANCE
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "gen.x2y.onnx", "gen.x2y.onnx.json", "gen.y2x.onnx", "gen.y2x.onnx.json"]


@pytest.mark.parametrize("name", ["source_only", "cdlm"])
def test_adaptation_classifier_to_onnx_matches_predict(name, tmp_path, tmp_path_factory):
    pytest.importorskip("onnx")
    run = trained_run(name, tmp_path_factory)
    (path,) = export_run(run, "onnx", tmp_path / "classifier.onnx")
    sidecar = json.loads((tmp_path / "classifier.onnx.json").read_text())
    assert sidecar["output"]["name"] == "logits" and sidecar["output"]["shape"] == ["N", 10]
    model = cyclekit.load(run)
    files = image_files(tmp_path / "in")
    expected = model.predict(files)
    prepared = model._prepare(files).tensor  # the images as `cyclekit predict` prepares them
    (logits,) = _session(path).run(None, {"images": prepared.numpy()})
    probabilities = torch.from_numpy(logits).softmax(dim=1).numpy()
    assert np.abs(probabilities - expected.probabilities).max() <= TOLERANCE
    with torch.no_grad():
        reference = model.method.classify(prepared).numpy()
    assert np.abs(logits - reference).max() <= TOLERANCE


def test_torchscript_round_trip(translation_run, adaptation_run, tmp_path):
    paths = export_run(translation_run, "torchscript", tmp_path / "gen.pt")
    assert [p.name for p in paths] == ["gen.x2y.pt", "gen.y2x.pt"]
    method = cyclekit.load(translation_run).method
    images = _images((3, 3, 16, 16), seed=1)
    with torch.no_grad():
        torch.testing.assert_close(torch.jit.load(str(paths[0]))(images), method.f(images),
                                   rtol=0, atol=1e-6)
        torch.testing.assert_close(torch.jit.load(str(paths[1]))(images), method.g(images),
                                   rtol=0, atol=1e-6)
    (path,) = export_run(adaptation_run, "torchscript", tmp_path / "classifier")
    assert path.name == "classifier.pt"
    with torch.no_grad():
        torch.testing.assert_close(torch.jit.load(str(path))(images),
                                   cyclekit.load(adaptation_run).method.classify(images),
                                   rtol=0, atol=1e-6)


def test_acc_embedder_and_tracker_features(tmp_path, tmp_path_factory):
    acc = cyclekit.load(trained_run("acc", tmp_path_factory))
    (path,) = export_run(acc.run_dir, "torchscript", tmp_path / "embedder.pt")
    images = _images((4, 1, 16, 16), seed=2)
    with torch.no_grad():
        torch.testing.assert_close(torch.jit.load(str(path))(images), acc.method.embedder(images),
                                   rtol=0, atol=1e-6)
    tracking = cyclekit.load(trained_run("cycletrack", tmp_path_factory))
    (path,) = export_run(tracking.run_dir, "torchscript", tmp_path / "tracker.pt")
    sidecar = json.loads((tmp_path / "tracker.pt.json").read_text())
    assert sidecar["network"] == "features" and "correlation filter" in sidecar["not_exported"]
    crops = _images((2, 3, 16, 16), seed=3)
    with torch.no_grad():
        torch.testing.assert_close(torch.jit.load(str(path))(crops),
                                   tracking.method.tracker.features(crops), rtol=0, atol=1e-6)


def _one_line_error(capsys, argv, match):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("cyclekit: error: ") and match in err, err


def test_errors_are_one_line_and_write_nothing(translation_run, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    run = str(translation_run)
    _one_line_error(capsys, ["export", run, "--format", "tflite", "--out", str(out / "m")],
                    "unknown export format 'tflite'")
    (tmp_path / "file.txt").write_text("a file")
    _one_line_error(capsys, ["export", run, "--out", str(tmp_path / "file.txt" / "m.onnx")],
                    "is a file, not a directory")
    _one_line_error(capsys, ["export", run, "--out", str(out)], "is a directory")
    _one_line_error(capsys, ["export", str(tmp_path), "--out", str(out / "m.onnx")],
                    "not a run directory")
    latent = tmp_path / "vae_run"
    latent.mkdir()
    save_config(build_config({"method": "vae", **TINY_BY_METHOD["vae"]}), latent / "config.yaml")
    _one_line_error(capsys, ["export", str(latent), "--out", str(out / "m.onnx")],
                    "export does not apply to")
    assert list(out.iterdir()) == []


def test_a_failure_half_way_leaves_no_file(translation_run, tmp_path, monkeypatch):
    from cyclekit import export

    written = []

    def fail_on_second(network, fmt, path):
        if written:
            raise RuntimeError("disk full")
        path.write_bytes(b"first")
        written.append(path)

    monkeypatch.setattr(export, "_write", fail_on_second)
    with pytest.raises(RuntimeError, match="disk full"):
        export_run(translation_run, "torchscript", tmp_path / "gen.pt")
    assert list(tmp_path.iterdir()) == []
