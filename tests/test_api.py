"""The Python API (cyclekit.load, cyclekit.train) on tiny finished runs: the forms images
come in and go out, equality with the command line, and one-line errors for bad input."""

import csv
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

import cyclekit
from cyclekit.api import AdaptationRun, EmbeddingRun, TrackingRun, TranslationRun
from cyclekit.cli import main
from cyclekit.data.transforms import to_model_images
from cyclekit.errors import ConfigError, CyclekitError, DataError, RunKindError
from tests.api_runs import (  # noqa: F401  (the fixtures adaptation_run, translation_run)
    adaptation_run_fixture,
    image_files,
    trained_run,
    translation_run_fixture,
)
from tests.conftest import TINY_BY_METHOD


@pytest.fixture(scope="session")
def translator(translation_run):
    return cyclekit.load(translation_run)


@pytest.fixture(scope="session")
def classifier(adaptation_run):
    return cyclekit.load(adaptation_run)


def test_load_gives_the_object_for_the_run_kind(translator, classifier, tmp_path_factory):
    assert isinstance(translator, TranslationRun) and translator.tasks == ("translate",)
    assert isinstance(classifier, AdaptationRun) and classifier.tasks == ("predict",)
    assert isinstance(cyclekit.load(trained_run("acc", tmp_path_factory)), EmbeddingRun)
    assert isinstance(cyclekit.load("ncc"), TrackingRun)
    assert "cyclegan" in repr(translator)


def test_translate_files_as_the_cli_writes_them(translator, translation_run, tmp_path):
    files = image_files(tmp_path / "in")
    assert main(["translate", str(translation_run), str(tmp_path / "in"), "--direction", "y2x",
                 "--out", str(tmp_path / "out")]) == 0
    outputs = translator.translate(files, direction="y2x")
    assert isinstance(outputs, list) and len(outputs) == len(files)
    for path, output in zip(files, outputs):
        with Image.open(tmp_path / "out" / path.with_suffix(".png").name) as written:
            assert output.size == written.size == Image.open(path).size
            np.testing.assert_array_equal(np.asarray(output), np.asarray(written))


def test_translate_keeps_the_form_of_its_input(translator):
    rng = np.random.default_rng(1)
    photo = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
    out = translator.translate(photo)
    assert out.shape == (20, 24, 3) and out.dtype == np.uint8
    from_pil = translator.translate(Image.fromarray(photo))
    assert isinstance(from_pil, Image.Image) and from_pil.size == (24, 20)
    np.testing.assert_array_equal(np.asarray(from_pil), out)
    batch = translator.translate(np.stack([photo, photo]))
    assert batch.shape == (2, 20, 24, 3)
    np.testing.assert_array_equal(batch[1], out)
    floats = translator.translate(photo.astype(np.float32) / 255)
    assert floats.dtype == np.float32 and 0 <= floats.min() and floats.max() <= 1
    assert np.abs(floats * 255 - out).max() <= 0.5 + 1e-4
    grey = translator.translate(photo[..., 0])  # grey into an RGB run: RGB out
    assert grey.shape == (20, 24, 3) and grey.dtype == np.uint8

    tensors = torch.rand(3, 3, 16, 16) * 2 - 1
    y = translator.translate(tensors, direction="x2y")
    assert isinstance(y, torch.Tensor) and y.shape == (3, 3, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(y, translator.method.f(tensors), rtol=0, atol=1e-6)
        torch.testing.assert_close(translator.translate(tensors[0], direction="y2x"),
                                   translator.method.g(tensors[:1])[0], rtol=0, atol=1e-6)


def test_predict_matches_the_cli(classifier, adaptation_run, tmp_path):
    files = image_files(tmp_path / "in")
    out = tmp_path / "preds.csv"
    assert main(["predict", str(adaptation_run), str(tmp_path / "in"), "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    labels, probabilities, confidence = classifier.predict(files)
    assert labels.dtype == np.int64 and labels.shape == (len(files),)
    assert probabilities.dtype == np.float32 and probabilities.shape == (len(files), 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    assert [int(row["label"]) for row in rows] == labels.tolist()
    np.testing.assert_allclose([float(row["confidence"]) for row in rows], confidence, atol=2e-6)
    np.testing.assert_array_equal(labels, probabilities.argmax(axis=1))


def test_predict_takes_arrays_pil_and_tensors_alike(classifier):
    rng = np.random.default_rng(2)
    photos = rng.integers(0, 256, (4, 20, 20, 3), dtype=np.uint8)
    from_numpy = classifier.predict(photos)
    from_pil = classifier.predict([Image.fromarray(photo) for photo in photos])
    prepared = to_model_images(photos.transpose(0, 3, 1, 2), 16, 3)
    from_tensor = classifier.predict(prepared)
    for other in (from_pil, from_tensor):
        np.testing.assert_array_equal(other.labels, from_numpy.labels)
        np.testing.assert_allclose(other.probabilities, from_numpy.probabilities, atol=1e-6)
    one = classifier.predict(photos[0])
    assert isinstance(one.labels, int) and one.probabilities.shape == (10,)
    assert one.labels == from_numpy.labels[0]


def test_embed_and_track(tmp_path_factory):
    embedder = cyclekit.load(trained_run("acc", tmp_path_factory))
    images = np.random.default_rng(3).integers(0, 256, (5, 16, 16), dtype=np.uint8)
    vectors = embedder.embed(images)
    dim = TINY_BY_METHOD["acc"]["model"].get("embedding_dim", embedder.config.model.embedding_dim)
    assert vectors.shape == (5, dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(embedder.embed(images[2]), vectors[2], atol=1e-6)

    frames = np.random.default_rng(4).integers(0, 256, (4, 40, 48, 3), dtype=np.uint8)
    box = [10.0, 8.0, 12.0, 10.0]
    for tracker in (cyclekit.load(trained_run("cycletrack", tmp_path_factory)),
                    cyclekit.load("ncc")):
        boxes = tracker.track(frames, box)
        assert boxes.shape == (4, 4) and boxes.dtype == np.float64
        np.testing.assert_array_equal(boxes[0], box)
        assert np.isfinite(boxes).all()
    with pytest.raises(DataError, match="outside"):
        cyclekit.load("ncc").track(frames, [60, 8, 5, 5])
    with pytest.raises(DataError, match="at least two"):
        cyclekit.load("ncc").track(frames[:1], box)


def test_encode_and_decode(tmp_path_factory):
    model = cyclekit.load(trained_run("vae", tmp_path_factory))
    digits = np.random.default_rng(6).integers(0, 256, (3, 8, 8), dtype=np.uint8)
    codes = model.encode(digits)
    assert codes.shape == (3, model.method.latent_shape[0]) and codes.dtype == np.float32
    images = model.decode(codes)
    assert images.shape == (3, 1, 8, 8) and -1 <= images.min() and images.max() <= 1
    np.testing.assert_allclose(model.decode(codes[0]), images[0], atol=1e-6)
    with pytest.raises(RunKindError, match=r"supports encode\(\), decode\(\)"):
        model.predict(digits)
    with pytest.raises(DataError, match="codes must be"):
        model.decode(np.zeros((2, 99), np.float32))


def test_a_task_the_run_does_not_have_names_those_it_has(translator, classifier):
    image = np.zeros((16, 16, 3), np.uint8)
    with pytest.raises(RunKindError, match=r"translate\(\) does not apply.*supports predict\(\)"):
        classifier.translate(image)
    with pytest.raises(RunKindError, match=r"supports translate\(\)"):
        translator.predict(image)
    with pytest.raises(RunKindError, match="track"):
        translator.track([image, image], [0, 0, 4, 4])


def test_bad_inputs_are_one_line_errors(translator, tmp_path):
    bad = [(torch.full((3, 16, 16), 2.0), "lie in \\[-1, 1\\]"),
           (np.zeros((16, 16, 3), np.int32), "uint8"),
           (np.zeros((2, 3, 16, 16, 1), np.uint8), "numpy image"),
           (torch.zeros(2, 5, 16, 16), "C = 1 or 3"),
           ([], "no images"),
           ("not an image", "cannot read"),
           (tmp_path / "missing.png", "cannot read")]
    for images, message in bad:
        with pytest.raises(CyclekitError, match=message) as error:
            translator.translate(images)
        assert "\n" not in str(error.value)
    with pytest.raises(ConfigError, match="direction"):
        translator.translate(np.zeros((8, 8), np.uint8), direction="sideways")
    with pytest.raises(CyclekitError, match="does not exist"):
        cyclekit.load(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CyclekitError, match="not a run directory"):
        cyclekit.load(tmp_path / "empty")


def test_train_with_keyword_overrides(tmp_path):
    settings = {"method": "source_only", **TINY_BY_METHOD["source_only"]}
    with pytest.raises(ConfigError, match="double underscore"):
        cyclekit.train(settings, tmp_path / "never", steps=3)
    out = tmp_path / "run"
    metrics = cyclekit.train(settings, out, progress=False, train__steps=3,
                             train__checkpoint_every=3, eval__num_samples=2)
    assert "test/target_acc" in metrics
    config = cyclekit.load_config(out / "config.yaml")
    assert (config.train.steps, config.eval.num_samples) == (3, 2)
    resumed = cyclekit.train(settings, out, resume=True, progress=False, train__steps=6)
    assert "test/target_acc" in resumed
    assert cyclekit.load_config(out / "config.yaml").train.steps == 6


def test_import_cyclekit_does_not_load_the_training_loop():
    code = ("import sys, cyclekit; assert callable(cyclekit.load) and callable(cyclekit.train); "
            "print(sorted(m for m in ('lightning', 'cyclekit.engine.trainer', 'cyclekit.api') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
    assert {"load", "train"} <= set(cyclekit.__all__)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_inputs_come_back_on_cuda(translation_run, adaptation_run):
    gpu = cyclekit.load(translation_run, device="cuda")
    images = torch.rand(2, 3, 16, 16, device="cuda") * 2 - 1
    out = gpu.translate(images)
    assert out.device.type == "cuda"
    cpu = cyclekit.load(translation_run).translate(images.cpu())
    torch.testing.assert_close(out.cpu(), cpu, rtol=0, atol=1e-4)
    photos = np.random.default_rng(5).integers(0, 256, (3, 16, 16, 3), dtype=np.uint8)
    on_gpu = cyclekit.load(adaptation_run, device="cuda").predict(photos)
    on_cpu = cyclekit.load(adaptation_run).predict(photos)
    np.testing.assert_allclose(on_gpu.probabilities, on_cpu.probabilities, atol=1e-4)
