"""The training loop: plain PyTorch you can read top to bottom, run through Lightning Fabric.

Fabric launches the processes (CPU by default, CUDA when asked, DDP over several processes
with gloo or NCCL) and handles precision; the loop itself is visible here: draw an unpaired
batch, let the strategy update the players, log, validate, draw samples, checkpoint. At the
end the checkpoint named by ``eval.checkpoint`` is evaluated on the test split and the run
directory gets ``metrics.json`` and ``report.html``.
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

from cyclekit.config import ExperimentConfig, TrainConfig, save_config
from cyclekit.core.atomic import atomic_write_text
from cyclekit.core.checkpoint import (
    AVERAGED_WEIGHTS,
    latest_checkpoint,
    load_checkpoint,
    load_weights,
    save_checkpoint,
)
from cyclekit.core.interrupt import stop_on_signals
from cyclekit.core.method import CyclicMethod
from cyclekit.core.players import Players
from cyclekit.core.precision import slow_precision_warning
from cyclekit.core.registry import get_method_class
from cyclekit.core.rng import capture_rng_state, restore_rng_state, seed_rank_stream
from cyclekit.core.run_log import RunLog
from cyclekit.core.strategy import build_strategy
from cyclekit.core.weight_average import WeightAverage, strategy_forward
from cyclekit.data.cache import cache_dir
from cyclekit.errors import CheckpointError, CyclekitError, CyclekitWarning, RunStopped


@dataclass
class LoopState:
    """Counters of the loop that are checkpointed with everything else."""

    step: int = 0
    running: dict[str, float] = field(default_factory=dict)
    best_val: float = math.inf
    best_step: int = -1
    wall_time: float = 0.0


def lr_factor(train: TrainConfig):
    """CycleGAN's schedule: constant for ``decay_start`` of the steps, then linear to 0; or,
    with ``lr_schedule: dann``, Ganin's annealing 1 / (1 + 10 p)^0.75 at progress p."""
    if train.lr_schedule == "dann":
        from cyclekit.nets.gradient_reversal import annealed_lr_factor

        return lambda step: annealed_lr_factor(step / train.steps)
    start = int(train.decay_start * train.steps)

    def factor(step: int) -> float:
        if step < start:
            return 1.0
        return max(0.0, 1.0 - (step - start) / max(1, train.steps - start))

    return factor


def make_fabric(train: TrainConfig) -> Fabric:
    return Fabric(accelerator=train.accelerator, devices=train.devices,
                  strategy="ddp" if train.devices > 1 else "auto", precision=train.precision)


def build_method(config: ExperimentConfig, device: torch.device) -> CyclicMethod:
    method = get_method_class(config.method)(config).to(device)
    if config.train.channels_last:
        method = method.to(memory_format=torch.channels_last)
    return method


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

    pair = get_method_class(config.method).load_data(config)
    method = build_method(config, fabric.device)
    players = Players(fabric, method.player_params(),
                      lambda name, params: method.make_optimizer(name, params, config.train),
                      lr_factor(config.train), config.train.max_nonfinite)
    strategy = build_strategy(config.strategy)
    batcher = method.make_batcher(pair, rank=fabric.global_rank, world_size=fabric.world_size)
    if fabric.world_size > 1:  # every rank drew the same weights; now each its own noise
        seed_rank_stream(config.seed, fabric.global_rank)
    average = WeightAverage(method, config.train.ema_decay) if config.train.ema_decay else None
    loop = LoopState()
    log = RunLog(run_dir, enabled=is_main)
    checkpoints = run_dir / "checkpoints"

    def rank_state() -> dict:
        """What differs between data-parallel ranks: each draws its own batches and noise."""
        return {"batcher": batcher.state_dict(), "method_extra": method.extra_state(),
                "rng": capture_rng_state()}

    def state(own: dict | None = None) -> dict:
        """The checkpoint's state; ``own``: this rank's ``rank_state()`` when already taken."""
        return {"fingerprint": config.fingerprint(), "world_size": fabric.world_size,
                "loop": asdict(loop), "players": players.state_dict(),
                "strategy": strategy.state_dict(), **(own or rank_state()),
                **({"weight_average": average.state_dict()} if average else {})}

    if resume:
        loop, average_continued = _restore(fabric, config, checkpoints, method, players,
                                           strategy, batcher, average)
        if is_main:  # overrides given on resume (e.g. more steps) become part of the run
            save_config(config, run_dir / "config.yaml")
        log.truncate_after(loop.step)
        log.event({"event": "resume", "step": loop.step})
        if average and not average_continued:
            log.event({"event": "weight_average_started", "step": loop.step})

    train_cfg = config.train
    memory_format = torch.channels_last if train_cfg.channels_last else torch.contiguous_format
    bar = tqdm(total=train_cfg.steps, initial=loop.step, disable=not (progress and is_main),
               desc=f"{config.method}/{config.strategy.name}", dynamic_ncols=True, mininterval=1.0)
    started = time.perf_counter() - loop.wall_time

    def save_step_checkpoint() -> None:
        loop.wall_time = time.perf_counter() - started
        own = rank_state()
        ranks = _gather_from_ranks(fabric, own)
        if is_main:
            save_checkpoint(checkpoints, f"step_{loop.step:07d}", method,
                            {**state(own), **({"ranks": ranks} if ranks else {})},
                            keep=train_cfg.keep_checkpoints,
                            averaged=average.method if average else None)

    evaluated = average.method if average else method  # what validation and samples show

    def reestimate_average() -> None:
        """The average's batch-norm statistics for its own weights, from training batches and
        random draws of their own: the run's batch order, noise and strategy stay untouched."""
        batcher_copy = method.make_batcher(pair)

        def batches() -> dict:
            return {name: _to_device(value, fabric.device, memory_format)
                    for name, value in batcher_copy.next().items()}

        forward = strategy_forward(strategy, set(players.optimizers), loop.step)
        cuda = [fabric.device] if fabric.device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda), fabric.autocast():
            average.reestimate_batch_norm(forward, batches)

    with stop_on_signals(enabled=fabric.world_size == 1) as stop:
        while loop.step < train_cfg.steps:
            batch = {name: _to_device(value, fabric.device, memory_format)
                     for name, value in batcher.next().items()}
            with fabric.autocast():
                losses = strategy.step(method, batch, players, loop.step)
            players.step_schedulers()
            if average:
                average.update(method)
            loop.step += 1
            _update_running(loop.running, losses)
            for event in strategy.drain_events() + players.drain_events():
                log.event(event)
            step, last = loop.step, loop.step == train_cfg.steps
            bar.update(1)
            if step % train_cfg.log_every == 0 or last:
                log.scalars(step, {**{f"loss/{k}": v for k, v in loop.running.items()},
                                   **{f"lr/{k}": v for k, v in players.learning_rates().items()},
                                   **strategy.log_values()})
                bar.set_postfix({k: f"{v:.3g}" for k, v in loop.running.items()}, refresh=False)
            if is_main and (step % train_cfg.eval_every == 0 or last):
                if average:
                    reestimate_average()
                loop.wall_time = time.perf_counter() - started
                _validate(config, evaluated, pair, fabric, log, loop,
                          lambda: save_checkpoint(checkpoints, "best", method, state(),
                                                  averaged=average.method if average else None))
            if is_main and (step % train_cfg.sample_every == 0 or last):
                _save_samples(evaluated, pair, fabric, run_dir / "samples" / f"step_{step:07d}.png",
                              config.eval.num_samples)
            if step % train_cfg.checkpoint_every == 0 or last:
                save_step_checkpoint()
                fabric.barrier()
            if stop.requested:
                if average and is_main:
                    reestimate_average()
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
        metrics = evaluate_run(config, run_dir, method=method, pair=pair, fabric=fabric,
                               progress=progress)
    fabric.barrier()
    if fabric.world_size > 1 and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()  # else gloo's threads may abort at exit
    return metrics


def evaluate_run(config: ExperimentConfig, run_dir: Path, *, method: CyclicMethod | None = None,
                 pair=None, fabric: Fabric | None = None,
                 progress: bool = False) -> dict[str, float]:
    """Evaluate the checkpoint chosen by ``eval.checkpoint`` (its weight average when the run
    keeps one, ``train.ema_decay`` > 0); write metrics.json and report."""
    from cyclekit.viz import write_report

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


def load_trained_method(run_dir: str | Path, device: torch.device | str = "cpu",
                        checkpoint: str | Path | None = None,
                        ) -> tuple[ExperimentConfig, CyclicMethod]:
    """A finished (or stopped) run's config and its method, with the weights of the checkpoint
    its ``eval.checkpoint`` rule selects (or of ``checkpoint``, a folder under the run's
    ``checkpoints/``; the weight average when the run keeps one), in eval mode: for inference
    and figures."""
    from cyclekit.config import load_config

    run_dir = Path(run_dir)
    if not (run_dir / "config.yaml").is_file():
        raise CyclekitError(f"'{run_dir}' is not a run directory (no config.yaml in it)")
    config = load_config(run_dir / "config.yaml")
    method = build_method(config, torch.device(device))
    path = Path(checkpoint) if checkpoint is not None else selected_checkpoint(
        config, run_dir / "checkpoints")
    state = load_checkpoint(path, method, fingerprint=config.fingerprint(), device=device,
                            averaged=bool(config.train.ema_decay))
    method.load_extra_state(state["method_extra"], device)
    return config, method.eval()


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


def _restore(fabric, config, checkpoints, method, players, strategy, batcher, average,
             ) -> tuple[LoopState, bool]:
    """Everything of the latest checkpoint back in place; with whether it continued the weight
    average (False when it holds none, ``train.ema_decay`` set on resume: the average then
    restarts, its next update copying the restored weights)."""
    path = latest_checkpoint(checkpoints)
    state = load_checkpoint(path, method, fingerprint=config.fingerprint(), device=fabric.device)
    if state["world_size"] != fabric.world_size:
        raise CheckpointError(f"checkpoint '{path}' was written by {state['world_size']} "
                              f"process(es); resume with train.devices={state['world_size']}")
    players.load_state_dict(state["players"])
    strategy.load_state_dict(state["strategy"])
    own = state["ranks"][fabric.global_rank] if "ranks" in state else state
    batcher.load_state_dict(own["batcher"])
    method.load_extra_state(own["method_extra"], fabric.device)
    restore_rng_state(own["rng"])
    continued = False
    if average:
        continued = (path / AVERAGED_WEIGHTS).is_file() and "weight_average" in state
        if continued:
            load_weights(path / AVERAGED_WEIGHTS, average.method, fabric.device)
        average.load_state_dict(state["weight_average"] if continued else {"updates": 0})
    return LoopState(**state["loop"]), continued


def _gather_from_ranks(fabric: Fabric, value: object) -> list | None:
    """``value`` of every data-parallel rank, in rank order (a collective: every rank calls
    it); None with one process."""
    if fabric.world_size == 1:
        return None
    gathered = [None] * fabric.world_size
    torch.distributed.all_gather_object(gathered, value)
    return gathered


def selected_checkpoint(config: ExperimentConfig, checkpoints: Path) -> Path:
    if config.eval.checkpoint == "best_val_cycle" and (checkpoints / "best").is_dir():
        return checkpoints / "best"
    path = latest_checkpoint(checkpoints)
    if path is None:
        raise CheckpointError(f"no checkpoint in '{checkpoints}'; train the run first")
    return path


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
    from cyclekit.viz import save_image_grid

    device = device if device is not None else fabric.device
    rows, labels = method.sample_rows(pair, count, device)
    save_image_grid(rows, path, row_labels=labels)


def _to_device(value, device: torch.device, memory_format: torch.memory_format):
    """Move a batch entry to the device; only image batches (4-D) take the memory format."""
    if isinstance(value, torch.Tensor):
        if value.dim() == 4:
            return value.to(device, memory_format=memory_format)
        return value.to(device)
    return value


def _update_running(running: dict[str, float], losses: dict[str, float], beta: float = 0.9) -> None:
    """Exponential moving averages of the step losses, for logs and the progress bar."""
    for name, value in losses.items():
        if math.isfinite(value):
            previous = running.get(name)
            running[name] = value if previous is None else beta * previous + (1 - beta) * value
