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
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch
from lightning.fabric import Fabric
from lightning.fabric.utilities.seed import seed_everything
from tqdm.auto import tqdm

from cyclekit.atomic import atomic_write_text
from cyclekit.config import ExperimentConfig, save_config
from cyclekit.data.cache import cache_dir
from cyclekit.engine.checkpoint import (
    NonFiniteWeights,
    check_finite,
    last_good_checkpoint,
    latest_checkpoint,
    load_checkpoint,
)
from cyclekit.engine.divergence import DivergenceWatch
from cyclekit.engine.interrupt import stop_on_signals
from cyclekit.engine.loading import build_method, selected_checkpoint
from cyclekit.engine.method import Method
from cyclekit.engine.players import TrainingDiverged
from cyclekit.engine.precision import resolve_precision, slow_precision_warning
from cyclekit.engine.run import Run, make_fabric
from cyclekit.engine.run_folder import inspect_run_folder, remove_stray
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
    wall_time: float = 0.0  # checkpointed apart (measured.json): it differs between runs
    watch: dict = field(default_factory=dict)  # the divergence watch's state


class DivergenceStop(TrainingDiverged):
    """The divergence guard ended a run (``train.on_divergence: stop``, or non-finite weights)."""


def train(config: ExperimentConfig, run_dir: str | Path, *, resume: bool = False,
          progress: bool = True) -> dict[str, float]:
    """Train ``config`` into ``run_dir`` (or continue it with ``resume``); return test metrics."""
    run_dir = Path(run_dir)
    chosen = resolve_precision(config.train.precision, config.train.accelerator)
    if chosen != config.train.precision:  # "auto": the run is recorded with what it ran in
        warnings.warn(f"train.precision=auto chose {chosen} (bf16 only where the device runs "
                      f"it natively)", CyclekitWarning, stacklevel=2)
        config = replace(config, train=replace(config.train, precision=chosen))
    fabric = make_fabric(config.train)
    fabric.launch()
    is_main = fabric.global_rank == 0
    start = _prepare_run_dir(fabric, config, run_dir, resume)
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
        counters = {**asdict(loop), "watch": watch.state_dict()}
        del counters["wall_time"]  # in measured.json: identical runs write identical state.pt
        return {"fingerprint": config.fingerprint(), "world_size": fabric.world_size,
                "loop": counters, **run.checkpoint_state(), **(own or run.rank_state())}

    def measured() -> dict[str, float]:
        return {"wall_time_s": loop.wall_time}

    if start != "fresh":
        events = [{"event": "start_over", "reason": "no checkpoint"}]
        if start == "resume":
            loop, restored = _restore(fabric, config, checkpoints, run)
            events = [{"event": "resume"}, *restored]
        if is_main and resume:  # overrides given on resume (e.g. more steps) become the run's
            save_config(config, run_dir / "config.yaml")
        log.truncate_after(loop.step)
        for event in events:
            log.event({**event, "step": loop.step})
    watch = DivergenceWatch(config.train, run.players.params, loop.watch)

    train_cfg = config.train
    bar = tqdm(total=train_cfg.steps, initial=loop.step, disable=not (progress and is_main),
               desc=f"{config.method}/{config.strategy.name}", dynamic_ncols=True, mininterval=1.0)
    started = time.perf_counter() - loop.wall_time

    def save_step_checkpoint() -> None:
        loop.wall_time = time.perf_counter() - started
        name = f"step_{loop.step:07d}"
        averaged = run.average.method if run.average else None
        try:
            check_finite(checkpoints, name, run.method, averaged)
            refused = None
        except NonFiniteWeights as error:
            refused = error
        if fabric.world_size > 1:  # buffers differ between ranks: every rank stops alike
            anyone = fabric.all_reduce(torch.tensor(float(refused is not None)), reduce_op="max")
            if anyone.item() and refused is None:
                refused = NonFiniteWeights(
                    f"training diverged: not writing checkpoint '{checkpoints / name}', another "
                    f"process holds non-finite weights; {last_good_checkpoint(checkpoints)}")
        if refused is not None:
            raise refused
        own = run.rank_state()
        ranks = _gather_from_ranks(fabric, own)
        if is_main:
            run.save(checkpoints, name, {**state(own), **({"ranks": ranks} if ranks else {})},
                     keep=train_cfg.keep_checkpoints, measured=measured())

    def save_best() -> None:  # rank 0 alone: non-finite weights are left to the step checkpoint
        try:
            run.save(checkpoints, "best", state(), measured=measured())
        except NonFiniteWeights:
            log.event({"event": "best_checkpoint_refused", "step": loop.step,
                       "reason": "non-finite weights"})

    try:
        with stop_on_signals(enabled=fabric.world_size == 1) as stop:
            while loop.step < train_cfg.steps:
                losses = run.step(loop.step)
                loop.step += 1
                _update_running(loop.running, losses)
                watch.observe(loop.step, losses)
                for event in run.drain_events():
                    log.event(event)
                step, last = loop.step, loop.step == train_cfg.steps
                bar.update(1)
                if step % train_cfg.log_every == 0 or last:
                    log.scalars(step, {
                        **{f"loss/{k}": v for k, v in loop.running.items()},
                        **{f"lr/{k}": v for k, v in run.players.learning_rates().items()},
                        **run.training_step.log_values()})
                    bar.set_postfix({k: f"{v:.3g}" for k, v in loop.running.items()},
                                    refresh=False)
                    _guard(watch, step, train_cfg.on_divergence, fabric, log, checkpoints)
                if is_main and (step % train_cfg.eval_every == 0 or last):
                    run.prepare_evaluated(loop.step)
                    loop.wall_time = time.perf_counter() - started
                    _validate(config, run.evaluated, run.data, fabric, log, loop, save_best)
                if is_main and (step % train_cfg.sample_every == 0 or last):
                    _save_samples(run.evaluated, run.data, fabric,
                                  run_dir / "samples" / f"step_{step:07d}.png",
                                  config.eval.num_samples)
                if step % train_cfg.checkpoint_every == 0 or last:
                    save_step_checkpoint()
                    fabric.barrier()
                if stop.requested:
                    if is_main:
                        run.prepare_evaluated(loop.step)
                    save_step_checkpoint()
                    log.event({"event": "stopped", "step": loop.step,
                               "signal": stop.signal_name})
                    bar.close()
                    log.close()
                    raise RunStopped(f"stopped by {stop.signal_name} after step {loop.step}; "
                                     f"checkpoint saved, continue with --resume")
    except (TrainingDiverged, NonFiniteWeights) as error:
        log.event({"event": "diverged", "step": loop.step, "reason": str(error)})
        bar.close()
        log.close()
        if isinstance(error, (DivergenceStop, NonFiniteWeights)):
            raise
        raise TrainingDiverged(f"{error}; {last_good_checkpoint(checkpoints)}") from None
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
        "train/steps": float(loop["step"]), "train/wall_time_s": _wall_time(state),
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


def _prepare_run_dir(fabric: Fabric, config: ExperimentConfig, run_dir: Path, resume: bool,
                     ) -> str:
    """On rank 0: decide how the run starts, by the start-over rule of
    :mod:`cyclekit.engine.run_folder`: ``resume`` (from its latest checkpoint), ``start_over``
    (a run folder without a checkpoint: from step 0, said in a warning) or ``fresh``. Refuse
    to overwrite a run or files that are not a run's, or to resume what is not a run."""
    problem, start, note = None, "fresh", None
    if fabric.global_rank == 0:
        try:
            problem, start, note = _decide_start(config, run_dir, resume)
        except OSError as error:
            problem = (f"cannot use the run directory '{run_dir}' "
                       f"({error.strerror or type(error).__name__})")
    problem, start, note = fabric.broadcast((problem, start, note), src=0)
    if problem:
        raise CyclekitError(problem)
    if note and fabric.global_rank == 0:
        warnings.warn(note, CyclekitWarning, stacklevel=3)
    return start


def _decide_start(config: ExperimentConfig, run_dir: Path, resume: bool,
                  ) -> tuple[str | None, str, str | None]:
    """Rank 0's part of :func:`_prepare_run_dir`: (the problem or None, how the run starts,
    the warning to give or None)."""
    problem, start, note = None, "fresh", None
    folder = inspect_run_folder(run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        problem = f"run directory '{run_dir}' is a file; choose another --out"
    elif resume and folder.checkpoint is not None:
        start = "resume"
    elif resume and folder.finished:
        problem = (f"cannot resume: '{run_dir}' is a finished run (metrics.json) whose "
                   f"checkpoints are gone; evaluate another run or choose another --out")
    elif resume and not folder.has_config:
        problem = (f"cannot resume: '{run_dir}' holds no checkpoint and no config.yaml "
                   f"(no run was started there); start it without --resume")
    elif resume:
        start, note = "start_over", (
            f"'{run_dir}' holds no checkpoint (the run stopped before its first one); "
            f"starting it over from step 0")
    elif folder.checkpoint is not None or folder.finished:
        what = f"checkpoint '{folder.checkpoint.name}'" if folder.checkpoint else "metrics.json"
        problem = (f"run directory '{run_dir}' is not empty: it holds a run ({what}); pass "
                   f"--resume to continue it or choose another --out")
    elif folder.foreign:
        named = ", ".join(repr(name) for name in folder.foreign[:3])
        problem = (f"run directory '{run_dir}' is not empty: it holds files that are not a "
                   f"run's ({named}{', ...' if len(folder.foreign) > 3 else ''}); choose "
                   f"another --out")
    elif folder.started:
        start, note = "start_over", (
            f"'{run_dir}' holds a run stopped before its first checkpoint; starting it "
            f"over from step 0 with the config given")
    if problem is None:
        remove_stray(folder.stray)
        run_dir.mkdir(parents=True, exist_ok=True)
        if not resume:
            save_config(config, run_dir / "config.yaml")
    return problem, start, note


def _guard(watch: DivergenceWatch, step: int, on_divergence: str, fabric: Fabric, log: RunLog,
           checkpoints: Path) -> None:
    """The divergence guard at a logging step: warn about what the watch saw (once per loss
    or player), or stop the run (``train.on_divergence: stop``, or non-finite weights)."""
    findings = watch.check(step)
    fatal = [f for f in findings if f.fatal]
    stop = bool(fatal) or (bool(findings) and on_divergence == "stop")
    if fabric.world_size > 1:  # every rank stops alike (losses differ between ranks)
        stop = bool(fabric.all_reduce(torch.tensor(float(stop)), reduce_op="max").item())
    for finding in watch.first_seen(findings):
        log.event({"event": "divergence", "step": step, "key": finding.key,
                   "reason": finding.text, "action": "stop" if stop else "warn"})
        if not stop and fabric.global_rank == 0:
            warnings.warn(f"training may be diverging at step {step}: {finding.text} "
                          f"(train.on_divergence=stop would end the run)", CyclekitWarning,
                          stacklevel=3)
    if stop:
        seen = fatal or findings
        reason = seen[0].text if seen else "seen by another process"
        more = f" (and {len(seen) - 1} more)" if len(seen) > 1 else ""
        rule = "" if fatal else " (train.on_divergence=stop)"
        raise DivergenceStop(f"training diverged at step {step}: {reason}{more}; stopped{rule}; "
                             f"{last_good_checkpoint(checkpoints)}")


def _wall_time(state: dict) -> float:
    """A checkpoint's training wall time (measured.json; in the loop state before it)."""
    return float(state.get("measured", {}).get("wall_time_s", state["loop"].get("wall_time", 0.0)))


def _restore(fabric: Fabric, config: ExperimentConfig, checkpoints: Path, run: Run,
             ) -> tuple[LoopState, list[dict]]:
    """The latest checkpoint back in place; the loop's counters and the events to log."""
    path = latest_checkpoint(checkpoints)
    state = load_checkpoint(path, run.method, fingerprint=config.fingerprint(),
                            device=fabric.device)
    if state["world_size"] != fabric.world_size:
        raise CheckpointError(f"checkpoint '{path}' was written by {state['world_size']} "
                              f"process(es); resume with train.devices={state['world_size']}")
    loop = LoopState(**{**state["loop"], "wall_time": _wall_time(state)})
    return loop, run.restore(path, state)


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
