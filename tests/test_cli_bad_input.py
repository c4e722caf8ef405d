"""Bad input through the real command line: exit 2, one line on stderr, no traceback, and no
run folder (nor anything else in the workspace) changed.

The runs are trained once per session with the tiny presets of ``tests/conftest.py``; each
case runs ``cyclekit.cli.main`` in-process (a few through a real ``cyclekit`` subprocess too,
to show the same line comes out of the installed command).
"""

from __future__ import annotations

import copy
import errno
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from cyclekit.cli import main
from tests.conftest import TINY_BY_METHOD

LONG_NAME = "n" * 300  # over the 255 bytes a file name may have on common file systems
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
CUDA = torch.cuda.is_available()


@pytest.fixture(scope="session")
def workspace(tmp_path_factory):
    """A folder with a finished tiny cyclegn and cdlm run, a run without checkpoints, images,
    presets good and bad, a plain file and a folder nobody may write in."""
    from cyclekit.config import build_config
    from cyclekit.engine.trainer import train

    root = tmp_path_factory.mktemp("bad_input")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for name in ("cyclegn", "cdlm"):
            train(build_config({"method": name, **copy.deepcopy(TINY_BY_METHOD[name])}),
                  root / name, progress=False)
    finally:
        torch.set_num_threads(threads)
    (root / "untrained").mkdir()
    shutil.copy(root / "cyclegn" / "config.yaml", root / "untrained" / "config.yaml")
    (root / "untrained_cdlm").mkdir()
    shutil.copy(root / "cdlm" / "config.yaml", root / "untrained_cdlm" / "config.yaml")
    shutil.copytree(root / "cyclegn", root / "corrupt")
    for weights in (root / "corrupt" / "checkpoints").glob("step_*/weights.safetensors"):
        weights.write_bytes(weights.read_bytes()[:100])  # a truncated copy
    (root / "damaged").mkdir()
    (root / "damaged" / "config.yaml").write_bytes(b"\x89PNG\x00\xff not yaml")
    (root / "images").mkdir()
    Image.fromarray((np.random.default_rng(0).random((16, 16, 3)) * 255).astype(np.uint8)
                    ).save(root / "images" / "digit.png")
    (root / "broken.png").write_bytes(b"\x89PNG not really")
    (root / "taken").mkdir()
    (root / "taken" / "digit.png").mkdir()  # where translate would write images/digit.png
    (root / "preset.yaml").write_text(yaml.safe_dump({"method": "cyclegn",
                                                      **TINY_BY_METHOD["cyclegn"]}))
    (root / "broken.yaml").write_text("method: [cyclegn\n")
    (root / "list.yaml").write_text("- method\n- cyclegn\n")
    (root / "nomethod.yaml").write_text(yaml.safe_dump({"method": "cyclegnn"}))
    (root / "afile").write_text("a plain file\n")
    (root / "locked").mkdir()
    (root / "locked").chmod(0o555)
    yield root
    (root / "locked").chmod(0o755)


@pytest.fixture(autouse=True)
def _fresh_demo_settings(monkeypatch):
    """Each case its own copy of the demo's settings: ``build_config`` applies ``--set`` to the
    nested sections of the mapping it is given, so in one process a demo case's override would
    stay in ``DEMO_SETTINGS`` for the next (the command line runs one process per call)."""
    import cyclekit.demo

    monkeypatch.setattr(cyclekit.demo, "DEMO_SETTINGS", copy.deepcopy(cyclekit.demo.DEMO_SETTINGS))


def _tree_hash(root: Path) -> dict[str, str]:
    """Every path under ``root`` (but the dataset / judge cache) with its content's hash."""
    hashes = {}
    for path in sorted(root.rglob("*")):
        relative = str(path.relative_to(root))
        if relative.startswith("cache"):
            continue
        hashes[relative] = (hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file()
                            else "dir")
    return hashes


def _in_process(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as stop:  # argparse's usage errors
        return stop.code


# (id, arguments with {w} standing for the workspace, a phrase the line must hold)
CASES = [
    # train
    ("train-missing-config", ["train", "{w}/nowhere.yaml", "--out", "{w}/o"], "does not exist"),
    ("train-config-is-a-directory", ["train", "{w}/images", "--out", "{w}/o"], "is a directory"),
    ("train-config-is-binary", ["train", "{w}/broken.png", "--out", "{w}/o"], "not a YAML text"),
    ("train-config-not-yaml", ["train", "{w}/broken.yaml", "--out", "{w}/o"], "not valid YAML"),
    ("train-config-a-list", ["train", "{w}/list.yaml", "--out", "{w}/o"], "must hold a mapping"),
    ("train-unknown-method", ["train", "{w}/nomethod.yaml", "--out", "{w}/o"], "unknown method"),
    ("train-unknown-key", ["train", "{w}/preset.yaml", "--out", "{w}/o", "--set",
                           "train.stepz=3"], "unknown key"),
    ("train-override-without-value", ["train", "{w}/preset.yaml", "--out", "{w}/o", "--set",
                                      "train.steps"], "must look like"),
    ("train-bad-value", ["train", "{w}/preset.yaml", "--out", "{w}/o", "--set",
                         "train.steps=-1"], "must be > 0"),
    ("train-out-is-a-file", ["train", "{w}/preset.yaml", "--out", "{w}/afile"],
     "is a file, not a folder"),
    ("train-out-below-a-file", ["train", "{w}/preset.yaml", "--out", "{w}/afile/run"],
     "lies below"),
    ("train-out-too-long", ["train", "{w}/preset.yaml", "--out", "{w}/" + LONG_NAME], "too long"),
    ("train-out-cannot-be-created", ["train", "{w}/preset.yaml", "--out", "/proc/cyclekit_run"],
     "cannot be written"),
    pytest.param("train-out-no-permission", ["train", "{w}/preset.yaml", "--out",
                                             "{w}/locked/run"], "no permission",
                 marks=pytest.mark.skipif(ROOT, reason="root writes anywhere")),
    pytest.param("train-accelerator-cuda-without-cuda",
                 ["train", "{w}/preset.yaml", "--out", "{w}/o", "--set", "train.accelerator=cuda"],
                 "sees no CUDA GPU", marks=pytest.mark.skipif(CUDA, reason="CUDA is here")),
    ("train-over-a-finished-run", ["train", "{w}/preset.yaml", "--out", "{w}/cyclegn"],
     "--resume"),
    ("train-no-arguments", ["train"], "required"),
    ("train-config-not-a-regular-file", ["train", os.devnull, "--out", "{w}/o"],
     "not a regular file"),
    ("train-resume-with-another-configuration", ["train", "{w}/preset.yaml", "--out",
                                                 "{w}/cyclegn", "--resume", "--set",
                                                 "data.image_size=32"], "another configuration"),
    # eval
    ("eval-missing-folder", ["eval", "{w}/nowhere"], "does not exist"),
    ("eval-a-file", ["eval", "{w}/afile"], "is a file"),
    ("eval-folder-without-config", ["eval", "{w}/images"], "no config.yaml"),
    ("eval-run-without-checkpoint", ["eval", "{w}/untrained"], "holds no checkpoint"),
    ("eval-damaged-config", ["eval", "{w}/damaged"], "unreadable"),
    ("eval-corrupt-checkpoint", ["eval", "{w}/corrupt"], "weights.safetensors"),
    ("eval-checkpoints-folder", ["eval", "{w}/cyclegn/checkpoints"], "no config.yaml"),
    # translate
    ("translate-adaptation-run", ["translate", "{w}/cdlm", "{w}/images", "--direction", "x2y",
                                  "--out", "{w}/o"], "needs a translation run (cyclegan or cyclegn)"),
    ("translate-out-is-a-file", ["translate", "{w}/cyclegn", "{w}/images", "--direction", "x2y",
                                 "--out", "{w}/afile"], "is a file, not a folder"),
    ("translate-out-below-a-file", ["translate", "{w}/cyclegn", "{w}/images", "--direction",
                                    "x2y", "--out", "{w}/afile/pngs"], "lies below"),
    ("translate-out-too-long", ["translate", "{w}/cyclegn", "{w}/images", "--direction", "x2y",
                                "--out", "{w}/" + LONG_NAME], "too long"),
    ("translate-out-cannot-be-created", ["translate", "{w}/cyclegn", "{w}/images", "--direction",
                                         "x2y", "--out", "/proc/cyclekit_pngs"],
     "cannot be written"),
    ("translate-target-is-a-folder", ["translate", "{w}/cyclegn", "{w}/images", "--direction",
                                      "x2y", "--out", "{w}/taken"], "is a folder"),
    ("translate-run-without-checkpoint", ["translate", "{w}/untrained", "{w}/images",
                                          "--direction", "x2y", "--out", "{w}/o"],
     "holds no checkpoint"),
    ("translate-missing-input", ["translate", "{w}/cyclegn", "{w}/nowhere.png", "--direction",
                                 "x2y", "--out", "{w}/o"], "does not exist"),
    ("translate-unreadable-image", ["translate", "{w}/cyclegn", "{w}/broken.png", "--direction",
                                    "x2y", "--out", "{w}/o"], "cannot read image"),
    ("translate-bad-direction", ["translate", "{w}/cyclegn", "{w}/images", "--direction", "up",
                                 "--out", "{w}/o"], "invalid choice"),
    # predict
    ("predict-translation-run", ["predict", "{w}/cyclegn", "{w}/images", "--out", "{w}/p.csv"],
     "needs an adaptation run"),
    ("predict-out-is-a-folder", ["predict", "{w}/cdlm", "{w}/images", "--out", "{w}/images"],
     "is a folder, not a file"),
    ("predict-out-below-a-file", ["predict", "{w}/cdlm", "{w}/images", "--out",
                                  "{w}/afile/p.csv"], "lies below"),
    ("predict-out-too-long", ["predict", "{w}/cdlm", "{w}/images", "--out",
                              "{w}/" + LONG_NAME + ".csv"], "too long"),
    ("predict-out-cannot-be-created", ["predict", "{w}/cdlm", "{w}/images", "--out",
                                       "/proc/cyclekit/p.csv"], "cannot be written"),
    ("predict-unreadable-image", ["predict", "{w}/cdlm", "{w}/broken.png", "--out",
                                  "{w}/p.csv"], "cannot read image"),
    ("predict-missing-run", ["predict", "{w}/nowhere", "{w}/images", "--out", "{w}/p.csv"],
     "does not exist"),
    pytest.param("predict-device-cuda-without-cuda",
                 ["predict", "{w}/cdlm", "{w}/images", "--out", "{w}/p.csv", "--device", "cuda"],
                 "sees no CUDA GPU", marks=pytest.mark.skipif(CUDA, reason="CUDA is here")),
    # refine
    ("refine-translation-run", ["refine", "{w}/cyclegn", "--out", "{w}/o"],
     "needs an adaptation run"),
    ("refine-teacher-set-to-a-translation-run", ["refine", "{w}/cdlm", "--out", "{w}/o", "--set",
                                                 "model.teacher={w}/cyclegn"],
     "needs an adaptation run"),
    ("refine-missing-teacher", ["refine", "{w}/nowhere", "--out", "{w}/o"], "does not exist"),
    ("refine-teacher-without-checkpoint", ["refine", "{w}/untrained_cdlm", "--out",
                                           "{w}/o"], "holds no checkpoint"),
    ("refine-out-is-a-file", ["refine", "{w}/cdlm", "--out", "{w}/afile"],
     "is a file, not a folder"),
    ("refine-out-too-long", ["refine", "{w}/cdlm", "--out", "{w}/" + LONG_NAME], "too long"),
    ("refine-unknown-key", ["refine", "{w}/cdlm", "--out", "{w}/o", "--set", "model.teachr=x"],
     "unknown key"),
    pytest.param("refine-accelerator-cuda-without-cuda",
                 ["refine", "{w}/cdlm", "--out", "{w}/o", "--set", "train.accelerator=cuda"],
                 "sees no CUDA GPU", marks=pytest.mark.skipif(CUDA, reason="CUDA is here")),
    # export (its own checks; here to hold them to the same rule)
    ("export-out-is-a-folder", ["export", "{w}/cyclegn", "--format", "torchscript", "--out",
                                "{w}/images"], "is a directory"),
    ("export-out-below-a-file", ["export", "{w}/cdlm", "--format", "torchscript", "--out",
                                 "{w}/afile/m.pt"], "is a file"),
    ("export-not-a-run", ["export", "{w}/images", "--format", "torchscript", "--out",
                          "{w}/m.pt"], "is not a run directory"),
    ("export-run-without-checkpoint", ["export", "{w}/untrained", "--format", "torchscript",
                                       "--out", "{w}/m.pt"], "checkpoint"),
    ("export-unknown-format", ["export", "{w}/cyclegn", "--format", "tflite", "--out",
                               "{w}/m.pt"], "unknown export format"),
    # demo, list, the command itself
    ("demo-out-is-a-file", ["demo", "--out", "{w}/afile"], "lies below"),
    ("demo-adaptation-method", ["demo", "--methods", "cdlm", "--out", "{w}/o"],
     "the demo trains the translation methods"),
    ("demo-unknown-method", ["demo", "--methods", "nosuch", "--out", "{w}/o"], "unknown method"),
    ("demo-unknown-key", ["demo", "--set", "train.stepz=3", "--out", "{w}/o"], "unknown key"),
    pytest.param("demo-accelerator-cuda-without-cuda",
                 ["demo", "--set", "train.accelerator=cuda", "--out", "{w}/o"],
                 "sees no CUDA GPU", marks=pytest.mark.skipif(CUDA, reason="CUDA is here")),
    ("list-extra-argument", ["list", "everything"], "unrecognized arguments"),
    ("no-command", [], "required"),
    ("unknown-command", ["trian"], "invalid choice"),
]


def _argv(arguments: list[str], root: Path) -> list[str]:
    return [argument.replace("{w}", str(root)) for argument in arguments]


def _check_one_line(code: int, stderr: str, phrase: str) -> None:
    assert code == 2, stderr
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("cyclekit") and ": error: " in lines[0], stderr
    assert phrase in lines[0], stderr


@pytest.mark.parametrize("name,arguments,phrase", CASES, ids=[
    case.values[0] if hasattr(case, "values") else case[0] for case in CASES])
def test_bad_input_is_one_line_and_changes_nothing(name, arguments, phrase, workspace, capsys):
    before = _tree_hash(workspace)
    capsys.readouterr()
    code = _in_process(_argv(arguments, workspace))
    captured = capsys.readouterr()
    _check_one_line(code, captured.err, phrase)
    assert _tree_hash(workspace) == before, f"{name} changed the workspace"


def test_the_table_covers_every_command():
    commands = {(case.values[1] if hasattr(case, "values") else case[1])[:1][0]
                for case in CASES if (case.values[1] if hasattr(case, "values") else case[1])}
    assert {"train", "eval", "translate", "predict", "refine", "export", "demo", "list"} <= commands
    assert len(CASES) >= 25


@pytest.mark.parametrize("arguments,phrase", [
    (["translate", "{w}/cdlm", "{w}/images", "--direction", "x2y", "--out", "{w}/o"],
     "needs a translation run"),
    (["predict", "{w}/cdlm", "{w}/images", "--out", "{w}/images"], "is a folder, not a file"),
    (["train", "{w}/images", "--out", "{w}/o"], "is a directory"),
], ids=["translate-adaptation-run", "predict-out-is-a-folder", "train-config-is-a-directory"])
def test_the_installed_command_prints_the_same_line(arguments, phrase, workspace):
    before = _tree_hash(workspace)
    command = shutil.which("cyclekit")
    prefix = [command] if command else [sys.executable, "-m", "cyclekit.cli"]
    done = subprocess.run([*prefix, *_argv(arguments, workspace)], capture_output=True,
                          text=True, timeout=300, check=False, cwd=workspace)
    _check_one_line(done.returncode, done.stderr, phrase)
    assert _tree_hash(workspace) == before


@pytest.mark.parametrize("code,phrase", [
    (errno.EACCES, "no permission to write in"), (errno.EROFS, "read-only file system"),
    (errno.ENOSPC, "refuses new files"),
], ids=["permission", "read-only", "full"])
@pytest.mark.parametrize("where", ["new-folder", "existing-folder"])
def test_a_folder_that_refuses_writes_is_named_before_any_work(code, phrase, where, workspace,
                                                               monkeypatch, capsys):
    """What the disk says when the check probes it (as root, or on a read-only or full disk,
    permissions alone would not tell): simulated on the probe itself."""
    refusing = workspace / "images"

    def refuse(*args, dir=None, **kwargs):
        raise OSError(code, os.strerror(code), str(dir))

    def refuse_mkdir(path, *args, **kwargs):
        if Path(path).parent == refusing:
            raise OSError(code, os.strerror(code), str(path))
        return real_mkdir(path, *args, **kwargs)

    real_mkdir = os.mkdir
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(os, "mkdir", refuse_mkdir)
    out = refusing / "pngs" if where == "new-folder" else refusing
    before = _tree_hash(workspace)
    capsys.readouterr()
    status = _in_process(["translate", str(workspace / "cyclegn"), str(workspace / "images"),
                          "--direction", "x2y", "--out", str(out)])
    _check_one_line(status, capsys.readouterr().err, phrase)
    assert _tree_hash(workspace) == before


def test_a_write_that_fails_after_the_checks_is_one_line(workspace, monkeypatch, capsys):
    """A disk that fills up between the checks and the write still ends in one line, exit 2."""
    import cyclekit.translation.translate as translate

    def full(image, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(translate, "write_png", full)
    capsys.readouterr()
    status = _in_process(["translate", str(workspace / "cyclegn"), str(workspace / "images"),
                          "--direction", "x2y", "--out", str(workspace / "full")])
    _check_one_line(status, capsys.readouterr().err, "free some space")
