"""The run object: one experiment built and stepped, the one way the trainer, the benchmarks
and the tests set an experiment up.

Building follows one fixed order, so that a seed gives the same run everywhere: the data, the
method's networks, the players and their optimisers, the method's training step, the batcher,
then the weight average when ``train.ema_decay`` > 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from lightning.fabric import Fabric

from cyclekit.config import ExperimentConfig, TrainConfig
from cyclekit.engine.checkpoint import AVERAGED_WEIGHTS, load_weights, save_checkpoint
from cyclekit.engine.loading import build_method
from cyclekit.engine.players import Players
from cyclekit.engine.rng import capture_rng_state, restore_rng_state, seed_rank_stream
from cyclekit.engine.schedules import lr_factor
from cyclekit.engine.weight_average import WeightAverage
from cyclekit.registry import get_method_class


def make_fabric(train: TrainConfig) -> Fabric:
    """Lightning Fabric for the run's accelerator, device count (DDP above one) and precision."""
    return Fabric(accelerator=train.accelerator, devices=train.devices,
                  strategy="ddp" if train.devices > 1 else "auto", precision=train.precision)


class Run:
    """An experiment's method, players, training step, batcher and weight average on a Fabric.

    :meth:`step` draws the next batch, updates the players and folds the result into the
    weight average; :attr:`evaluated` is what validation, samples and evaluation look at. The
    weight average is this object's concern alone: the loop asks for :meth:`prepare_evaluated`
    before it looks, and :meth:`save` / :meth:`restore` checkpoint it with everything else.
    """

    def __init__(self, config: ExperimentConfig, fabric: Fabric, data: Any = None):
        self.config, self.fabric = config, fabric
        self.data = data if data is not None else get_method_class(config.method).load_data(config)
        self.method = build_method(config, fabric.device)
        self.players = Players(fabric, self.method.player_params(),
                               lambda name, params: self.method.make_optimizer(name, params,
                                                                               config.train),
                               lr_factor(config.train), config.train.max_nonfinite)
        self.training_step = self.method.make_training_step()
        self.batcher = self.method.make_batcher(self.data, rank=fabric.global_rank,
                                                world_size=fabric.world_size)
        if fabric.world_size > 1:  # every rank drew the same weights; now each its own noise
            seed_rank_stream(config.seed, fabric.global_rank)
        self.average = (WeightAverage(self.method, config.train.ema_decay)
                        if config.train.ema_decay else None)
        self.memory_format = (torch.channels_last if config.train.channels_last
                              else torch.contiguous_format)

    @property
    def evaluated(self):
        """The weights validation, samples and evaluation use: the average when kept."""
        return self.average.method if self.average else self.method

    def next_batch(self, batcher=None) -> dict:
        """The next training batch of ``batcher`` (the run's own by default) on the device."""
        batcher = batcher or self.batcher
        return {name: to_device(value, self.fabric.device, self.memory_format)
                for name, value in batcher.next().items()}

    def step(self, step: int) -> dict[str, float]:
        """One training step on the next batch; the losses it saw, by name."""
        batch = self.next_batch()
        with self.fabric.autocast():
            losses = self.training_step.step(self.method, batch, self.players, step)
        self.players.step_schedulers()
        if self.average:
            self.average.update(self.method)
        return losses

    def drain_events(self) -> list[dict]:
        """Events of the training step and the players since the last call."""
        return self.training_step.drain_events() + self.players.drain_events()

    def prepare_evaluated(self, step: int) -> None:
        """Make :attr:`evaluated` ready to be looked at: with a weight average, its batch-norm
        statistics for its own weights, from training batches and random draws of their own
        (the run's batch order, noise and step state stay untouched); else nothing to do."""
        if not self.average:
            return
        batcher = self.method.make_batcher(self.data)
        cuda = [self.fabric.device] if self.fabric.device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda), self.fabric.autocast():
            self.average.reestimate_batch_norm(
                self.training_step, set(self.players.optimizers), step,
                lambda: self.next_batch(batcher))


    def rank_state(self) -> dict:
        """What differs between data-parallel ranks: each draws its own batches and noise."""
        return {"batcher": self.batcher.state_dict(), "method_extra": self.method.extra_state(),
                "rng": capture_rng_state()}

    def checkpoint_state(self) -> dict:
        """The players', the training step's and the weight average's state, for a checkpoint."""
        return {"players": self.players.state_dict(), "strategy": self.training_step.state_dict(),
                **({"weight_average": self.average.state_dict()} if self.average else {})}

    def save(self, root: Path, name: str, state: dict, keep: int | None = None,
             measured: dict[str, float] | None = None) -> Path:
        """Write the networks (and the weight average) with ``state`` as checkpoint ``name``
        (``measured``: timings, kept apart so identical runs write identical bytes); refused
        with one line naming the last good checkpoint when a weight is not finite."""
        return save_checkpoint(root, name, self.method, state, keep=keep,
                               averaged=self.average.method if self.average else None,
                               measured=measured)

    def restore(self, path: Path, state: dict) -> list[dict]:
        """Everything of checkpoint ``path`` (already loaded into the method as ``state``) back
        in place for this rank; the events to log (the weight average restarting when the
        checkpoint holds none, i.e. ``train.ema_decay`` set on resume: its next update then
        copies the restored weights)."""
        self.players.load_state_dict(state["players"])
        self.training_step.load_state_dict(state["strategy"])
        own = state["ranks"][self.fabric.global_rank] if "ranks" in state else state
        self.batcher.load_state_dict(own["batcher"])
        self.method.load_extra_state(own["method_extra"], self.fabric.device)
        restore_rng_state(own["rng"])
        if not self.average:
            return []
        if (path / AVERAGED_WEIGHTS).is_file() and "weight_average" in state:
            load_weights(path / AVERAGED_WEIGHTS, self.average.method, self.fabric.device)
            self.average.load_state_dict(state["weight_average"])
            return []
        self.average.load_state_dict({"updates": 0})
        return [{"event": "weight_average_started"}]


def to_device(value, device: torch.device, memory_format: torch.memory_format):
    """Move a batch entry to the device; only image batches (4-D) take the memory format."""
    if isinstance(value, torch.Tensor):
        if value.dim() == 4:
            return value.to(device, memory_format=memory_format)
        return value.to(device)
    return value
