"""``cyclekit track run RUN_DIR`` with a (tiny) trained CycleTrack run."""

import copy

import numpy as np
import torch

from cyclekit.cli import main
from cyclekit.config import build_config
from cyclekit.engine.trainer import train
from cyclekit.tracking.sequences.box_text import read_box_lines
from cyclekit.tracking.trackers import tracker_factory
from tests.conftest import TINY_CYCLETRACK


def test_track_run_loads_a_trained_run(moving_patch, tmp_path, capsys):
    folder, gt = moving_patch
    settings = copy.deepcopy(TINY_CYCLETRACK)
    settings["train"]["steps"] = 2
    config = build_config({"method": "cycletrack", **settings,
                           "strategy": {"name": "self_cyclic", "self_cyclic_mode": "em"}})
    run = tmp_path / "run"
    metrics = train(config, run, progress=False)
    assert 0 <= metrics["test/synthetic_auc"] <= 1

    tracker = tracker_factory(run)()
    assert tracker.name == "cycletrack_em"
    out = tmp_path / "boxes"
    assert main(["track", "run", str(run), str(folder), "--out", str(out),
                 "--threads", "1"]) == 0
    assert "fps" in capsys.readouterr().out
    boxes = read_box_lines(out / "Patch.txt")
    assert boxes.shape == (len(gt), 4) and np.isfinite(boxes).all()
    assert np.allclose(boxes[0], gt[0])
    assert main(["track", "eval", str(out), "--data", str(folder),
                 "--protocol", "pysot_otb"]) == 0

    on_gpu = tmp_path / "boxes_gpu"
    code = main(["track", "run", str(run), str(folder), "--out", str(on_gpu), "--device", "cuda"])
    if not torch.cuda.is_available():
        error = capsys.readouterr().err
        assert code == 2 and "sees no CUDA GPU" in error and not on_gpu.exists()
        return
    assert code == 0  # the network on the GPU follows the CPU's boxes to within a pixel
    assert np.abs(read_box_lines(on_gpu / "Patch.txt") - boxes).max() <= 1.0
