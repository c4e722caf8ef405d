"""Metrics of a run: one JSON object per line in ``metrics.jsonl``, mirrored to TensorBoard."""

from __future__ import annotations

import json
import math
from pathlib import Path

from cyclekit.atomic import atomic_write_text


class RunLog:
    """Appends scalar records and events; only the rank-0 process writes.

    Nothing is written before the first record: the TensorBoard events file is opened then,
    so a run that fails before it logs (a refused ``--resume``) adds nothing to its folder.
    """

    def __init__(self, run_dir: Path, *, enabled: bool = True, tensorboard: bool = True):
        self.path = Path(run_dir) / "metrics.jsonl"
        self.enabled = enabled
        self.tensorboard = enabled and tensorboard
        self.writer = None

    def scalars(self, step: int, values: dict[str, float]) -> None:
        if not self.enabled:
            return
        clean = {k: float(v) for k, v in values.items() if math.isfinite(float(v))}
        self._append({"step": step, **clean})
        if self.tensorboard and self.writer is None:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(self.path.parent / "tensorboard"))
        if self.writer is not None:
            for key, value in clean.items():
                self.writer.add_scalar(key, value, step)

    def event(self, record: dict) -> None:
        if self.enabled:
            self._append(record)

    def truncate_after(self, step: int) -> None:
        """Drop records written after ``step`` (they belong to work lost in a crash), and a
        line a crash cut off in the middle."""
        if not self.enabled or not self.path.is_file():
            return
        kept = [json.dumps(record, default=_json_default)
                for record in read_records(self.path.parent) if record.get("step", 0) <= step]
        atomic_write_text(self.path, "".join(line + "\n" for line in kept))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def _append(self, record: dict) -> None:
        with open(self.path, "a") as stream:
            stream.write(json.dumps(record, default=_json_default) + "\n")


def read_records(run_dir: Path) -> list[dict]:
    """The records of ``run_dir/metrics.jsonl``, less a line a crash cut off."""
    path = Path(run_dir) / "metrics.jsonl"
    if not path.is_file():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:  # the last line of a killed process, half written
            continue
    return records


def _json_default(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value)
