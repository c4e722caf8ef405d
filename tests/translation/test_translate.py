import copy
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from cyclekit.config import build_config
from cyclekit.data.transforms import to_model_images
from cyclekit.engine.checkpoint import latest_checkpoint, load_checkpoint
from cyclekit.engine.loading import build_method
from cyclekit.engine.trainer import train
from cyclekit.errors import CyclekitError, DataError
from cyclekit.translation.translate import read_image, translate_files
from tests.conftest import TINY


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A CycleGN run trained for 6 steps on digits -> digits over photos (16 px, RGB)."""
    root = tmp_path_factory.mktemp("translate")
    settings = copy.deepcopy(TINY)
    settings["eval"]["translation_accuracy"] = False
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CYCLEKIT_CACHE", str(root / "cache"))
        train(build_config({"method": "cyclegn", **settings}), root / "run", progress=False)
    return root / "run"


@pytest.fixture
def inputs(tmp_path):
    """Images of odd sizes and modes, one nested, one JPEG, plus a non-image file."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "in"
    (folder / "nested").mkdir(parents=True)
    Image.fromarray(rng.integers(0, 256, (17, 23), dtype=np.uint8), "L").save(folder / "gray.png")
    Image.fromarray(rng.integers(0, 256, (31, 40, 4), dtype=np.uint8), "RGBA").save(folder / "alpha.png")
    Image.fromarray(rng.integers(0, 256, (50, 10), dtype=np.uint8), "L").convert("P").save(
        folder / "palette.gif")
    Image.fromarray(rng.integers(0, 256, (21, 33, 3), dtype=np.uint8)).save(
        folder / "nested" / "photo.jpg", quality=90)
    Image.fromarray(rng.integers(0, 65536, (9, 12), dtype=np.uint16)).save(folder / "deep.tif")
    (folder / "notes.txt").write_text("not an image")
    return folder


EXPECTED = {"gray.png": (23, 17), "alpha.png": (40, 31), "palette.png": (10, 50),
            "nested/photo.png": (33, 21), "deep.png": (12, 9)}


def test_folder_translated_to_original_sizes_and_names(run_dir, inputs, tmp_path):
    out = tmp_path / "out"
    summary = translate_files(run_dir, [inputs], "x2y", out)
    assert summary["count"] == len(EXPECTED)
    assert (summary["source_domain"], summary["target_domain"]) == ("digits", "digits_m")
    written = sorted(str(path.relative_to(out)) for path in out.rglob("*") if path.is_file())
    assert written == sorted(EXPECTED)
    for name, size in EXPECTED.items():
        with Image.open(out / name) as image:
            assert image.size == size and image.mode == "RGB" and image.format == "PNG"


def test_output_is_the_models_translation(run_dir, tmp_path):
    """At the model's own size the PNG holds f(x) up to 8-bit rounding."""
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "x.png")
    translate_files(run_dir, [tmp_path / "x.png"], "y2x", tmp_path / "out")
    config = build_config({"method": "cyclegn", **copy.deepcopy(TINY)})
    method = build_method(config, torch.device("cpu")).eval()
    load_checkpoint(latest_checkpoint(run_dir / "checkpoints"), method,
                    fingerprint=config.fingerprint())
    with torch.no_grad():
        expected = method.g(to_model_images(pixels.transpose(2, 0, 1)[None], 16, 3))[0]
    expected = ((expected.clamp(-1, 1) + 1) * 127.5).permute(1, 2, 0).numpy()
    written = np.asarray(Image.open(tmp_path / "out" / "x.png"), dtype=np.float32)
    assert np.abs(written - expected).max() <= 0.51


def test_device_option(run_dir, tmp_path):
    """On a GPU the PNGs match the CPU's up to 8-bit rounding; without one, a one-line error
    and nothing written."""
    rng = np.random.default_rng(2)
    Image.fromarray(rng.integers(0, 256, (20, 12, 3), dtype=np.uint8)).save(tmp_path / "x.png")
    translate_files(run_dir, [tmp_path / "x.png"], "x2y", tmp_path / "cpu", device="cpu")
    if not torch.cuda.is_available():
        with pytest.raises(CyclekitError, match="sees no CUDA GPU"):
            translate_files(run_dir, [tmp_path / "x.png"], "x2y", tmp_path / "gpu", device="cuda")
        assert not (tmp_path / "gpu").exists()
        return
    translate_files(run_dir, [tmp_path / "x.png"], "x2y", tmp_path / "gpu", device="cuda")
    cpu, gpu = (np.asarray(Image.open(tmp_path / d / "x.png"), dtype=np.int16)
                for d in ("cpu", "gpu"))
    assert np.abs(cpu - gpu).max() <= 1


def test_modes_become_the_models_channels(tmp_path):
    Image.new("RGBA", (3, 2), (200, 100, 50, 0)).save(tmp_path / "clear.png")
    assert np.all(read_image(tmp_path / "clear.png", 3) == 0)  # transparent over black
    Image.new("L", (4, 5), 255).save(tmp_path / "white.png")
    rgb = read_image(tmp_path / "white.png", 3)
    assert rgb.shape == (3, 5, 4) and np.all(rgb == 1)
    Image.fromarray(np.full((2, 2), 65535, np.uint16)).save(tmp_path / "deep.png")
    assert np.all(read_image(tmp_path / "deep.png", 1) == 1)


def test_unreadable_file_is_named_and_nothing_is_written(run_dir, inputs, tmp_path):
    (inputs / "broken.png").write_bytes(b"\x89PNG not really")
    out = tmp_path / "out"
    with pytest.raises(DataError, match=r"cannot read image '.*broken\.png': .+"):
        translate_files(run_dir, [inputs], "x2y", out)
    assert not out.exists()
    with pytest.raises(DataError, match=r"cannot read image '.*notes\.txt'"):
        translate_files(run_dir, [inputs / "notes.txt"], "x2y", out)


def test_bad_arguments(run_dir, inputs, tmp_path):
    with pytest.raises(CyclekitError, match="unknown direction 'sideways'"):
        translate_files(run_dir, [inputs], "sideways", tmp_path)
    with pytest.raises(CyclekitError, match="is not a run directory"):
        translate_files(tmp_path / "nowhere", [inputs], "x2y", tmp_path)
    with pytest.raises(CyclekitError, match="input '.*missing.png' does not exist"):
        translate_files(run_dir, [inputs / "missing.png"], "x2y", tmp_path)
    Image.new("RGB", (4, 4)).save(inputs / "gray.jpg")
    with pytest.raises(CyclekitError, match="would both be written as 'gray.png'"):
        translate_files(run_dir, [inputs], "x2y", tmp_path)


def test_cli_prints_a_one_line_error(inputs, tmp_path):
    missing = subprocess.run(
        [sys.executable, "-m", "cyclekit.cli", "translate", str(tmp_path / "nowhere"),
         str(inputs), "--direction", "x2y", "--out", str(tmp_path / "out")],
        check=False, capture_output=True, text=True)
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0 and "is not a run directory" in missing.stderr
