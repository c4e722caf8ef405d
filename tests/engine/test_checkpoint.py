import pytest
import torch

from cyclekit.engine.checkpoint import (
    latest_checkpoint,
    load_checkpoint,
    save_checkpoint,
    step_checkpoints,
)
from cyclekit.errors import CheckpointError
from tests.toy import LinearPair


def test_round_trip_restores_weights_and_state(tmp_path):
    method = LinearPair()
    save_checkpoint(tmp_path, "step_0000010", method, {"fingerprint": "abc", "loop": {"step": 10}})
    clone = LinearPair()
    state = load_checkpoint(tmp_path / "step_0000010", clone, fingerprint="abc")
    assert state["loop"] == {"step": 10}
    assert all(torch.equal(a, b) for a, b in zip(method.parameters(), clone.parameters()))


def test_a_batch_normalised_module_shared_under_two_names_round_trips(tmp_path):
    class SharedNormalised(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedder = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
            self.f = self.g = self.embedder

    method = SharedNormalised()
    method.embedder(torch.randn(8, 3))  # moves the running statistics off their defaults
    save_checkpoint(tmp_path, "step_0000001", method, {"fingerprint": "a"})
    clone = SharedNormalised()
    load_checkpoint(tmp_path / "step_0000001", clone, fingerprint="a")
    for name, value in method.state_dict().items():
        assert torch.equal(value, clone.state_dict()[name]), name


def test_latest_and_pruning(tmp_path):
    method = LinearPair()
    for step in (5, 10, 15):
        save_checkpoint(tmp_path, f"step_{step:07d}", method, {"fingerprint": "x"}, keep=2)
    assert [p.name for p in step_checkpoints(tmp_path)] == ["step_0000010", "step_0000015"]
    assert latest_checkpoint(tmp_path).name == "step_0000015"
    assert not list(tmp_path.glob(".*tmp"))  # no temporary leftovers


def test_other_config_is_refused(tmp_path):
    save_checkpoint(tmp_path, "step_0000001", LinearPair(), {"fingerprint": "aaa"})
    with pytest.raises(CheckpointError, match="written for another configuration"):
        load_checkpoint(tmp_path / "step_0000001", LinearPair(), fingerprint="bbb")


def test_weights_of_another_shape_are_refused(tmp_path):
    save_checkpoint(tmp_path, "step_0000001", LinearPair(dim=3), {"fingerprint": "a"})
    with pytest.raises(CheckpointError, match="do not fit this model"):
        load_checkpoint(tmp_path / "step_0000001", LinearPair(dim=4), fingerprint="a")


def test_corrupt_and_incomplete_checkpoints_are_clear_errors(tmp_path):
    path = save_checkpoint(tmp_path, "step_0000001", LinearPair(), {"fingerprint": "a"})
    (path / "state.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot be read"):
        load_checkpoint(path, LinearPair(), fingerprint="a")
    (path / "weights.safetensors").unlink()
    with pytest.raises(CheckpointError, match="incomplete"):
        load_checkpoint(path, LinearPair(), fingerprint="a")


def test_a_failed_write_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    method = LinearPair()
    save_checkpoint(tmp_path, "step_0000001", method, {"fingerprint": "a"})

    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError):
        save_checkpoint(tmp_path, "step_0000002", method, {"fingerprint": "a"})
    assert latest_checkpoint(tmp_path).name == "step_0000001"
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == ["step_0000001"]
