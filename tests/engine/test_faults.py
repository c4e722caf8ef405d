"""Faults a run must survive: kills at any point, runs that diverge, identical runs' bytes.

Kills are injected in-process (an exception no handler catches, raised at a seeded random
step, before the first checkpoint, or while the final metrics are being written: what is on
disk then is what a ``kill -9`` at that point leaves, since every write is atomic), with the
stray temporary files an interrupted atomic write leaves added by hand; one test kills a
real ``cyclekit train`` with SIGKILL. ``python -m benchmarks fault_injection`` runs the
longer study.
"""

import copy
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml
from safetensors.torch import load_file

from cyclekit.config import build_config
from cyclekit.engine import trainer
from cyclekit.engine.checkpoint import NonFiniteWeights, save_checkpoint, save_weights
from cyclekit.engine.divergence import DivergenceWatch
from cyclekit.engine.run import Run
from cyclekit.engine.run_folder import stray_temp_files
from cyclekit.engine.trainer import DivergenceStop, train
from cyclekit.errors import CheckpointError, CyclekitError, CyclekitWarning
from tests.conftest import TINY_BY_METHOD

FAMILIES = {"translation": "cyclegn", "adaptation": "cdlm", "latent": "vae", "affinity": "acc",
            "tracking": "cycletrack"}
DEAD_PID = 2 ** 22 + 7  # above Linux's largest pid: no process has it
UNTIMED = ("wall_time", "fps")


class Killed(BaseException):
    """A kill: nothing in the trainer handles it (it is not an Exception)."""


def _config(method, **overrides):
    return build_config({"method": method, **copy.deepcopy(TINY_BY_METHOD[method])},
                        [f"{key}={value}" for key, value in overrides.items()])


def _kill_at_step(monkeypatch, step):
    real = Run.step

    def step_or_die(self, at):
        if at == step:
            raise Killed
        return real(self, at)

    monkeypatch.setattr(Run, "step", step_or_die)


def _kill_writing_metrics(monkeypatch):
    """Killed during the final evaluation, just before metrics.json is in place."""
    def write_or_die(path, text):
        if Path(path).name == "metrics.json":
            raise Killed
        raise AssertionError(f"unexpected write of {path}")

    monkeypatch.setattr(trainer, "atomic_write_text", write_or_die)


def _leave_strays(run_dir: Path) -> list[Path]:
    """What a kill in the middle of atomic writes leaves."""
    strays = [run_dir / f".config.yaml.{DEAD_PID}.0badc0de.tmp",
              run_dir / f".metrics.jsonl.{DEAD_PID}.12345678.tmp"]
    for path in strays:
        path.write_text("half")
    half = run_dir / "checkpoints" / ".step_0000003.k2x_9qa1.tmp"
    half.mkdir(parents=True, exist_ok=True)
    (half / "weights.safetensors").write_bytes(b"half")
    return [*strays, half]


def _results(run_dir: Path) -> dict:
    metrics = json.loads((run_dir / "metrics.json").read_text())
    latest = run_dir / "checkpoints" / (run_dir / "checkpoints" / "LATEST").read_text().strip()
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return {"metrics": {k: v for k, v in metrics.items() if not any(w in k for w in UNTIMED)},
            "checkpoint": latest.name,
            "files": {f.name: f.read_bytes() for f in sorted(latest.iterdir())
                      if f.name != "measured.json"},
            "logged": [r for r in records if "event" not in r]}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_killed_anywhere_and_resumed_is_bit_identical(tmp_path, monkeypatch, one_thread, family):
    method = FAMILIES[family]
    config = _config(method)
    train(config, tmp_path / "full", progress=False)
    rng = random.Random(f"kills/{family}")
    first_checkpoint, steps = config.train.checkpoint_every, config.train.steps
    run = tmp_path / "killed"
    (run).mkdir()
    (run / "notes.txt").write_text("mine")  # the user's: never touched

    # 1. before the first checkpoint: --resume starts over from step 0 and says so
    with monkeypatch.context() as patch:
        _kill_at_step(patch, rng.randrange(1, first_checkpoint))
        with pytest.raises(CyclekitError, match="files that are not a run's"):
            train(config, run, progress=False)  # notes.txt: a plain start refuses
        (run / "config.yaml").unlink(missing_ok=True)
        (run / "notes.txt").rename(tmp_path / "notes.txt")
        with pytest.raises(Killed):
            train(config, run, progress=False)
        (tmp_path / "notes.txt").rename(run / "notes.txt")
    assert not (run / "checkpoints" / "LATEST").exists()
    strays = _leave_strays(run)
    # 2. at a random later step: resume from the first checkpoint
    with monkeypatch.context() as patch:
        _kill_at_step(patch, rng.randrange(first_checkpoint + 1, steps))
        with pytest.warns(CyclekitWarning, match="starting it over from step 0"), \
                pytest.raises(Killed):
            train(config, run, resume=True, progress=False)
    assert not any(path.exists() for path in strays)
    assert (run / "checkpoints" / "LATEST").read_text() == f"step_{first_checkpoint:07d}\n"
    # 3. during the final evaluation
    with monkeypatch.context() as patch:
        _kill_writing_metrics(patch)
        with pytest.raises(Killed):
            train(config, run, resume=True, progress=False)
    assert not (run / "metrics.json").exists()
    train(config, run, resume=True, progress=False)

    assert (run / "notes.txt").read_text() == "mine"
    full, resumed = _results(tmp_path / "full"), _results(run)
    assert resumed["metrics"] == full["metrics"]
    assert resumed["checkpoint"] == full["checkpoint"]
    assert resumed["files"] == full["files"]  # weights, average and state.pt, byte for byte
    assert resumed["logged"] == full["logged"]
    events = [json.loads(line)["event"] for line in (run / "metrics.jsonl").read_text().splitlines()
              if "event" in json.loads(line)]
    assert events.count("start_over") == 1 and events.count("resume") == 2


def test_sigkilled_cli_run_resumes_bit_identical(tmp_path, one_thread):
    """A real ``kill -9`` of ``cyclekit train`` once it has logged, wherever that lands."""
    settings = copy.deepcopy(TINY_BY_METHOD["vae"])
    settings["train"].update(steps=8, checkpoint_every=4, eval_every=4, sample_every=4)
    config_path = tmp_path / "tiny.yaml"
    config_path.write_text(yaml.safe_dump({"method": "vae", **settings}))
    command = [sys.executable, "-c", "import sys; from cyclekit.cli import main; sys.exit(main())",
               "train", str(config_path), "--no-progress", "--out", str(tmp_path / "killed")]
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    run = tmp_path / "killed"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=environment)
    deadline = time.monotonic() + 120
    while not (run / "metrics.jsonl").exists() and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait()
    resumed = subprocess.run([*command, "--resume"], check=False, capture_output=True,
                             text=True, env=environment)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "Traceback" not in resumed.stderr
    train(build_config({"method": "vae", **settings}), tmp_path / "full", progress=False)
    assert _results(run) == _results(tmp_path / "full")


def test_a_plain_start_of_a_folder_without_checkpoint_starts_over(tmp_path, one_thread):
    config = _config("acc")
    run = tmp_path / "run"
    with pytest.MonkeyPatch.context() as patch:
        _kill_at_step(patch, 2)
        with pytest.raises(Killed):
            train(config, run, progress=False)
    assert (run / "metrics.jsonl").is_file() and not (run / "checkpoints").exists()
    strays = _leave_strays(run)
    with pytest.warns(CyclekitWarning, match="stopped before its first checkpoint; starting it"):
        train(config, run, progress=False)
    assert not any(path.exists() for path in strays)
    train(config, tmp_path / "full", progress=False)
    assert _results(run) == _results(tmp_path / "full")
    with pytest.raises(CyclekitError, match=r"holds a run \(checkpoint 'step_0000006'\); pass "
                                            r"--resume"):
        train(config, run, progress=False)
    with pytest.raises(CyclekitError, match="holds no checkpoint and no config.yaml"):
        train(config, tmp_path / "nothing", resume=True, progress=False)
    assert not (tmp_path / "nothing").exists()


def test_only_the_atomic_writers_temporary_files_are_removed(tmp_path):
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    (run / "samples").mkdir()
    ours = [run / f".config.yaml.{DEAD_PID}.0badc0de.tmp",
            run / "samples" / f".step_0000003.png.{DEAD_PID}.89abcdef.tmp",
            run / "checkpoints" / f".LATEST.{DEAD_PID}.01234567.tmp"]
    kept = [run / f".notes.txt.{DEAD_PID}.0badc0de.tmp",  # not a name cyclekit writes
            run / f".config.yaml.{os.getppid()}.0badc0de.tmp",  # a running process's
            run / ".config.yaml.0badc0de.tmp", run / "my.tmp",
            run / "checkpoints" / f".step_3.{DEAD_PID}.0BADC0DE.tmp"]
    for path in ours + kept:
        path.write_text("x")
    half = run / "checkpoints" / ".step_0000009.abc_1234.tmp"
    half.mkdir()
    not_ours = run / "checkpoints" / ".mine.abc_1234.tmp"
    not_ours.mkdir()
    assert stray_temp_files(run) == sorted([*ours, half])


def test_a_failed_resume_adds_nothing_to_the_run_folder(tmp_path, one_thread):
    run = tmp_path / "run"
    train(_config("vae"), run, progress=False)
    before = {p: p.read_bytes() for p in sorted(run.rglob("*")) if p.is_file()}
    other = _config("vae", **{"model.hidden": 32})
    with pytest.raises(CheckpointError, match="another configuration"):
        train(other, run, resume=True, progress=False)
    assert {p: p.read_bytes() for p in sorted(run.rglob("*")) if p.is_file()} == before


def test_identical_runs_write_identical_checkpoint_bytes(tmp_path, one_thread):
    config = _config("cycletrack", **{"train.ema_decay": 0.5})
    for name in ("a", "b"):
        train(config, tmp_path / name, progress=False)
    for path in sorted((tmp_path / "a" / "checkpoints").rglob("*")):
        if path.is_file() and path.name != "measured.json":
            twin = tmp_path / "b" / path.relative_to(tmp_path / "a")
            assert path.read_bytes() == twin.read_bytes(), path.name
    assert {"weights.safetensors", "averaged.safetensors", "state.pt", "measured.json"} <= {
        p.name for p in (tmp_path / "a" / "checkpoints" / "step_0000006").iterdir()}


def test_shared_weights_are_saved_with_their_aliases_in_one_order(tmp_path):
    shared = torch.nn.Linear(3, 2)
    module = torch.nn.ModuleDict({"f": shared, "g": shared, "tracker": shared, "h": shared})
    saved = set()
    for attempt in range(6):
        save_weights(module, tmp_path / f"{attempt}.safetensors")
        saved.add((tmp_path / f"{attempt}.safetensors").read_bytes())
    assert len(saved) == 1
    loaded = load_file(str(tmp_path / "0.safetensors"))
    assert torch.equal(loaded["f.weight"], shared.weight.detach())


# -- the divergence guard ----------------------------------------------------------------

def test_nonfinite_weights_are_never_checkpointed(tmp_path):
    module = torch.nn.Linear(2, 2)
    save_checkpoint(tmp_path, "step_0000001", module, {"fingerprint": "x"})
    with torch.no_grad():
        module.weight[0, 0] = float("inf")
    with pytest.raises(NonFiniteWeights, match=r"1 weights are not finite \(first in 'weight'\); "
                                               r"the last good checkpoint is .*step_0000001"):
        save_checkpoint(tmp_path, "step_0000002", module, {"fingerprint": "x"})
    assert (tmp_path / "LATEST").read_text() == "step_0000001\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["LATEST", "step_0000001"]
    average = torch.nn.Linear(2, 2)
    with torch.no_grad():
        average.bias.fill_(float("nan"))
    with pytest.raises(NonFiniteWeights, match="weights of the average are not finite"):
        save_checkpoint(tmp_path, "best", torch.nn.Linear(2, 2), {}, averaged=average)


@pytest.mark.filterwarnings("ignore:training may be diverging")
def test_a_learning_rate_that_blows_up_to_inf_leaves_no_bad_checkpoint(tmp_path, one_thread):
    run = tmp_path / "run"
    with pytest.raises(CyclekitError, match="no checkpoint was written before it") as error:
        train(_config("cdlm", **{"train.lr": 1e38}), run, progress=False)
    assert "\n" not in str(error.value)
    assert not (run / "checkpoints" / "LATEST").exists()
    events = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert events[-1]["event"] == "diverged"


def test_an_injected_nan_stops_the_run_naming_the_last_good_checkpoint(tmp_path, monkeypatch,
                                                                         one_thread):
    real = Run.step

    def poisoned(self, at):
        losses = real(self, at)
        if at == 3:  # the fourth step, after the step-3 checkpoint
            with torch.no_grad():
                next(self.method.parameters()).view(-1)[0] = float("nan")
        return losses

    monkeypatch.setattr(Run, "step", poisoned)
    run = tmp_path / "run"
    with pytest.raises(DivergenceStop, match=r"at step 4: weights of '.*' are not finite; "
                                             r"stopped; the last good checkpoint is '.*"
                                             r"step_0000003' \(step 3\)"):
        train(_config("cyclegn", **{"train.on_divergence": "warn"}), run, progress=False)
    assert (run / "checkpoints" / "LATEST").read_text() == "step_0000003\n"
    weights = load_file(str(run / "checkpoints" / "step_0000003" / "weights.safetensors"))
    assert all(torch.isfinite(value).all() for value in weights.values())


def test_finite_divergence_warns_or_stops_by_on_divergence(tmp_path, one_thread):
    with pytest.warns(CyclekitWarning, match="training may be diverging at step 2: weights of"):
        train(_config("cyclegn", **{"train.lr": 1e6}), tmp_path / "warn", progress=False)
    records = [json.loads(line) for line in (tmp_path / "warn" / "metrics.jsonl").read_text()
               .splitlines()]
    warned = [r for r in records if r.get("event") == "divergence"]
    assert warned and all(r["action"] == "warn" for r in warned)
    assert len({r["key"] for r in warned}) == len(warned)  # once per player
    assert (tmp_path / "warn" / "metrics.json").is_file()
    with pytest.raises(DivergenceStop, match=r"grew .*-fold since step 0.*stopped "
                                             r"\(train.on_divergence=stop\); no checkpoint"):
        train(_config("cyclegn", **{"train.lr": 1e6, "train.on_divergence": "stop"}),
              tmp_path / "stop", progress=False)


def test_a_healthy_run_raises_no_divergence(tmp_path, one_thread, recwarn):
    train(_config("cdlm"), tmp_path / "run", progress=False)
    assert not [w for w in recwarn if "diverging" in str(w.message)]


class _Train:
    divergence_loss_factor, divergence_loss_steps, divergence_weight_growth = 100.0, 5, 1000.0


def test_the_watch_flags_a_loss_far_above_its_median_for_k_steps():
    watch = DivergenceWatch(_Train(), {})
    noise = random.Random(0)
    for step in range(200):  # noisy but healthy, with single spikes
        watch.observe(step, {"a": noise.uniform(0.5, 1.5) * (50 if step % 37 == 0 else 1)})
    assert watch.check(200) == []
    for step in range(200, 204):
        watch.observe(step, {"a": 500.0})
    assert watch.check(204) == []  # four steps: not yet
    restored = DivergenceWatch(_Train(), {}, watch.state_dict())
    restored.observe(204, {"a": float("inf")})
    [finding] = restored.check(205)
    assert finding.key == "loss/a" and "for 5 steps" in finding.text and not finding.fatal
    assert restored.first_seen([finding]) == [finding] and restored.first_seen([finding]) == []


def test_the_watch_sees_weights_grow_or_turn_nonfinite():
    layer = torch.nn.Linear(4, 4)
    watch = DivergenceWatch(_Train(), {"f": list(layer.parameters())})
    assert watch.check(1) == []
    with torch.no_grad():
        layer.weight.mul_(1e4)
    [grown] = watch.check(2)
    assert grown.key == "weights/f" and "-fold since step 0" in grown.text and not grown.fatal
    with torch.no_grad():
        layer.bias[0] = float("nan")
    [bad] = watch.check(3)
    assert bad.fatal


@pytest.mark.parametrize("override", ["train.on_divergence=halt",
                                      "train.divergence_weight_growth=1",
                                      "train.divergence_loss_steps=0",
                                      "train.divergence_loss_factor=-1"])
def test_divergence_settings_are_validated(override):
    with pytest.raises(CyclekitError, match=override.split("=")[0]):
        build_config({"method": "cyclegn", **copy.deepcopy(TINY_BY_METHOD["cyclegn"])},
                     [override])
