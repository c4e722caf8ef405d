"""The training loop: plain PyTorch you can read top to bottom, run through Lightning Fabric.

Fabric launches the processes (CPU by default, CUDA when asked, DDP over several processes
with gloo or NCCL) and handles precision; the :class:`~cyclekit.engine.run.Run` builds the
experiment; the loop itself is visible here: step the run (a batch, the method's training
step, the weight average), log, validate, draw samples, checkpoint. At the end the
checkpoint named by ``eval.checkpoint`` is evaluated on the test split and the run directory
gets ``metrics.json`` and ``report.html``.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from lightning.fabric import Fabric
from lightning.fabric.utilities.seed import seed_everything
from tqdm.auto import tqdm

from cyclekit.atomic import atomic_write_text
from cyclekit.config import ExperimentConfig, save_config
from cyclekit.data.cache import cache_dir
from cyclekit.engine.checkpoint import (
    latest_checkpoint,
    load_checkpoint,
)
from cyclekit.engine.interrupt import stop_on_signals
from cyclekit.engine.loading import build_method, selected_checkpoint
from cyclekit.engine.method import Method
from cyclekit.engine.precision import slow_precision_warning
from cyclekit.engine.run import Run, make_fabric
from cyclekit.engine.run_log import RunLog
from cyclekit.errors import CheckpointError, CyclekitError, CyclekitWarning, RunStopped
from cyclekit.registry import get_method_class
from cyclekit.viz.grid import save_image_grid
from cyclekit.viz.report import write_report


@dataclass
class LoopState:
    """Counters of the loop that are checkpointed with everything else."""

    step: int = 0
    running: dict[str, float] = field(default_factory=dict)
    best_val: float = math.inf
    best_step: int = -1
    wall_time: float = 0.0


def train(config: ExperimentConfig, run_dir: str | Path, *, resume: bool = False,
          progress: bool = True) -> dict[str, float]:
    """Train ``config`` into ``run_dir`` (or continue it with ``resume``); return test metrics."""
    run_dir = Path(run_dir)
    fabric = make_fabric(config.train)
    fabric.launch()
    is_main = fabric.global_rank == 0
    _prepare_run_dir(fabric, config, run_dir, resume)
    slow = slow_precision_warning(config.train.precision, fabric.device)
    if slow and is_main:
        warnings.warn(slow, CyclekitWarning, stacklevel=2)
    _set_threads(config)
    seed_everything(config.seed, verbose=False)

    run = Run(config, fabric)
    loop = LoopState()
    log = RunLog(run_dir, enabled=is_main)
    checkpoints = run_dir / "checkpoints"

    def state(own: dict | None = None) -> dict:
        """The checkpoint's state; ``own``: this rank's ``run.rank_state()`` when already taken."""
        return {"fingerprint": config.fingerprint(), "world_size": fabric.world_size,
                "loop": asdict(loop), **run.checkpoint_state(), **(own or run.rank_state())}

    if resume:
        loop, events = _restore(fabric, config, checkpoints, run)
        if is_main:  # overrides given on resume (e.g. more steps) become part of the run
            save_config(config, run_dir / "config.yaml")
        log.truncate_after(loop.step)
        for event in [{"event": "resume"}, *events]:
            log.event({**event, "step": loop.step})

    train_cfg = config.train
    bar = tqdm(total=train_cfg.steps, initial=loop.step, disable=not (progress and is_main),
               desc=f"{config.method}/{config.strategy.name}", dynamic_ncols=True, mininterval=1.0)
    started = time.perf_counter() - loop.wall_time

    def save_step_checkpoint() -> None:
        loop.wall_time = time.perf_counter() - started
        own = run.rank_state()
        ranks = _gather_from_ranks(fabric, own)
        if is_main:
            run.save(checkpoints, f"step_{loop.step:07d}",
                     {**state(own), **({"ranks": ranks} if ranks else {})},
                     keep=train_cfg.keep_checkpoints)

    with stop_on_signals(enabled=fabric.world_size == 1) as stop:
        while loop.step < train_cfg.steps:
            losses = run.step(loop.step)
            loop.step += 1
            _update_running(loop.running, losses)
            for event in run.drain_events():
                log.event(event)
            step, last = loop.step, loop.step == train_cfg.steps
            bar.update(1)
            if step % train_cfg.log_every == 0 or last:
                log.scalars(step, {**{f"loss/{k}": v for k, v in loop.running.items()},
                                   **{f"lr/{k}": v for k, v in run.players.learning_rates().items()},
                                   **run.training_step.log_values()})
                bar.set_postfix({k: f"{v:.3g}" for k, v in loop.running.items()}, refresh=False)
            if is_main and (step % train_cfg.eval_every == 0 or last):
                run.prepare_evaluated(loop.step)
                loop.wall_time = time.perf_counter() - started
                _validate(config, run.evaluated, run.data, fabric, log, loop,
                          lambda: run.save(checkpoints, "best", state()))
            if is_main and (step % train_cfg.sample_every == 0 or last):
                _save_samples(run.evaluated, run.data, fabric,
                              run_dir / "samples" / f"step_{step:07d}.png", config.eval.num_samples)
            if step % train_cfg.checkpoint_every == 0 or last:
                save_step_checkpoint()
                fabric.barrier()
            if stop.requested:
                if is_main:
                    run.prepare_evaluated(loop.step)
                save_step_checkpoint()
                log.event({"event": "stopped", "step": loop.step, "signal": stop.signal_name})
                bar.close()
                log.close()
                raise RunStopped(f"stopped by {stop.signal_name} after step {loop.step}; "
                                 f"checkpoint saved, continue with --resume")
    bar.close()
    log.close()

    metrics: dict[str, float] = {}
    if is_main:
        metrics = evaluate_run(config, run_dir, method=run.method, pair=run.data, fabric=fabric,
                               progress=progress)
    fabric.barrier()
    if fabric.world_size > 1 and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()  # else gloo's threads may abort at exit
    return metrics


def evaluate_run(config: ExperimentConfig, run_dir: Path, *, method: Method | None = None,
                 pair=None, fabric: Fabric | None = None,
                 progress: bool = False) -> dict[str, float]:
    """Evaluate the checkpoint chosen by ``eval.checkpoint`` (its weight average when the run
    keeps one, ``train.ema_decay`` > 0); write metrics.json and report."""
    run_dir = Path(run_dir)
    _set_threads(config)
    device = fabric.device if fabric is not None else torch.device("cpu")
    pair = pair or get_method_class(config.method).load_data(config)
    method = method or build_method(config, device)
    chosen = selected_checkpoint(config, run_dir / "checkpoints")
    state = load_checkpoint(chosen, method, fingerprint=config.fingerprint(), device=device,
                            averaged=bool(config.train.ema_decay))
    started = time.perf_counter()
    metrics = method.evaluate(pair, cache_dir=cache_dir("judges"), device=device, progress=progress)
    loop = state["loop"]
    metrics.update({
        "train/steps": float(loop["step"]), "train/wall_time_s": loop["wall_time"],
        "train/skipped_updates": float(state["players"]["skipped_updates"]),
        "eval/wall_time_s": time.perf_counter() - started,
        "eval/checkpoint_step": float(loop["step"]),
    })
    metrics["eval/checkpoint_rule"] = config.eval.checkpoint
    metrics["eval/weights"] = "averaged" if config.train.ema_decay else "last_iterate"
    atomic_write_text(run_dir / "metrics.json", json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    _save_samples(method, pair, fabric, run_dir / "samples" / "final.png", config.eval.num_samples,
                  device=device)
    write_report(run_dir)
    return metrics


def _set_threads(config: ExperimentConfig) -> None:
    """Same thread count in training and evaluation, so results reproduce exactly."""
    if config.train.num_threads:
        torch.set_num_threads(config.train.num_threads)


def _prepare_run_dir(fabric: Fabric, config: ExperimentConfig, run_dir: Path, resume: bool) -> None:
    """On rank 0: refuse to overwrite a finished run, or to resume a run that is not there."""
    problem = None
    if fabric.global_rank == 0:
        has_checkpoint = latest_checkpoint(run_dir / "checkpoints") is not None
        if resume and not has_checkpoint:
            problem = f"cannot resume: '{run_dir}' holds no checkpoint; start it without --resume"
        elif not resume and _holds_a_run(run_dir):
            problem = (f"run directory '{run_dir}' is not empty; pass --resume to continue it "
                       f"or choose another --out")
        else:
            run_dir.mkdir(parents=True, exist_ok=True)
            if not resume:
                save_config(config, run_dir / "config.yaml")
    problem = fabric.broadcast(problem, src=0)
    if problem:
        raise CyclekitError(problem)


def _holds_a_run(run_dir: Path) -> bool:
    """Anything in ``run_dir`` but the config.yaml of a start that failed before training
    (e.g. no data directory) is a run that must not be overwritten."""
    return run_dir.exists() and any(entry.name != "config.yaml" for entry in run_dir.iterdir())


def _restore(fabric: Fabric, config: ExperimentConfig, checkpoints: Path, run: Run,
             ) -> tuple[LoopState, list[dict]]:
    """The latest checkpoint back in place; the loop's counters and the events to log."""
    path = latest_checkpoint(checkpoints)
    state = load_checkpoint(path, run.method, fingerprint=config.fingerprint(),
                            device=fabric.device)
    if state["world_size"] != fabric.world_size:
        raise CheckpointError(f"checkpoint '{path}' was written by {state['world_size']} "
                              f"process(es); resume with train.devices={state['world_size']}")
    return LoopState(**state["loop"]), run.restore(path, state)


def _gather_from_ranks(fabric: Fabric, value: object) -> list | None:
    """``value`` of every data-parallel rank, in rank order (a collective: every rank calls
    it); None with one process."""
    if fabric.world_size == 1:
        return None
    gathered = [None] * fabric.world_size
    torch.distributed.all_gather_object(gathered, value)
    return gathered


def _validate(config, method, pair, fabric, log, loop: LoopState, save_best) -> None:
    values = method.validation_losses(pair, fabric.device)
    if not values:
        return
    log.scalars(loop.step, values)
    score = values.get("val/cycle_l1", math.inf)
    if config.eval.checkpoint == "best_val_cycle" and score < loop.best_val:
        loop.best_val, loop.best_step = score, loop.step
        save_best()
        log.event({"event": "best_checkpoint", "step": loop.step, "val/cycle_l1": score})


def _save_samples(method, pair, fabric, path: Path, count: int, device=None) -> None:
    device = device if device is not None else fabric.device
    rows, labels = method.sample_rows(pair, count, device)
    save_image_grid(rows, path, row_labels=labels)


def _update_running(running: dict[str, float], losses: dict[str, float], beta: float = 0.9) -> None:
    """Exponential moving averages of the step losses, for logs and the progress bar."""
    for name, value in losses.items():
        if math.isfinite(value):
            previous = running.get(name)
            running[name] = value if previous is None else beta * previous + (1 - beta) * value
