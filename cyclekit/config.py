"""Typed experiment configuration: dataclasses with paper defaults, strict YAML loading.

An experiment has seven top-level keys: ``method``, ``strategy``, ``data``, ``model``,
``train``, ``eval``, ``seed``. The ``model`` and ``data`` sections are typed by the method
(each method registers its own dataclasses; ``data`` defaults to two image domains),
everything else is shared. Unknown keys and wrong types raise
:class:`~cyclekit.errors.ConfigError` naming the valid keys, so typos never pass silently.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import hashlib
import json
import types
import typing
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cyclekit.atomic import atomic_write_text
from cyclekit.errors import ConfigError, CyclekitWarning
from cyclekit.registry import get_method_class, list_methods

TOP_LEVEL_KEYS = ("method", "strategy", "data", "model", "train", "eval", "seed")
# Field metadata of a model/data option added after runs were saved with the old behaviour:
# at its default it is left out of the fingerprint, so those runs still resume and evaluate.
ADDED_LATER = {"added_later": True}


def renamed_from(old_name: str) -> dict[str, str]:
    """Field metadata of an option renamed after runs were saved under ``old_name``: a config
    that still says ``old_name`` loads (with a warning naming the new key), and the fingerprint
    hashes the option under its old name, so those runs still resume and evaluate."""
    return {"renamed_from": old_name}


@dataclass
class StrategyConfig:
    """How the four-term objective is optimised (Zou & Hao).

    ``joint`` updates both mappings on the sum; ``em`` is the dual EM iteration of
    Algorithm 1; ``alternating`` updates a method's players one after another, each on its
    own loss (CDLM's encoder / decoder updates); ``self_cyclic`` trains one shared mapping (``self_cyclic_mode``: ``half``
    = the X->Y->X half of the loss in one step, ``em`` = a single EM iteration).
    The dual-EM inner loop ("while insufficient loss decrease") ends a phase when the
    relative improvement of an exponential moving average of the phase loss, measured over
    ``check_every`` steps, falls below ``tolerance`` (after ``min_inner_steps``), or after
    ``max_inner_steps``.
    """

    name: str = "joint"
    tolerance: float = 0.01
    ema_beta: float = 0.9
    check_every: int = 25
    min_inner_steps: int = 50
    max_inner_steps: int = 500
    first_phase: str = "g"
    self_cyclic_mode: str = "half"

    def validate(self) -> None:
        check_choice("strategy.name", self.name, ("joint", "em", "self_cyclic", "alternating"))
        check_choice("strategy.first_phase", self.first_phase, ("f", "g"))
        check_choice("strategy.self_cyclic_mode", self.self_cyclic_mode, ("half", "em"))
        check_positive("strategy.check_every", self.check_every)
        check_positive("strategy.max_inner_steps", self.max_inner_steps)
        if not 0 <= self.min_inner_steps <= self.max_inner_steps:
            raise ConfigError(
                f"strategy.min_inner_steps={self.min_inner_steps} must be between 0 and "
                f"strategy.max_inner_steps={self.max_inner_steps}"
            )
        if not 0.0 <= self.ema_beta < 1.0:
            raise ConfigError(f"strategy.ema_beta={self.ema_beta} must be in [0, 1)")
        check_non_negative("strategy.tolerance", self.tolerance)


@dataclass
class TrainConfig:
    """Optimisation budget, logging cadence and devices. Adam defaults from CycleGAN.

    ``lr_schedule``: ``linear_decay`` (CycleGAN: constant for ``decay_start`` of the steps,
    then linear to 0) or ``dann`` (Ganin et al. 2016: mu_p = mu_0 / (1 + 10 p)^0.75).
    ``ema_decay`` > 0 keeps an exponential moving average of the weights, Polyak averaging as
    VADA / DIRT-T evaluate with (0.998 in their code), its batch-norm statistics re-estimated
    for the averaged weights before each validation; evaluation, validation, samples and
    inference then use it in place of the last iterate. 0 (the default) keeps the last iterate.

    The divergence guard (:mod:`cyclekit.engine.divergence`, ``docs/runs.md``) watches every
    run: a loss more than ``divergence_loss_factor`` times its running median's magnitude (at
    least 1) above that median for ``divergence_loss_steps`` steps in a row, or a player's
    weights growing ``divergence_weight_growth``-fold (root mean square) since step 0.
    ``on_divergence``: ``warn`` (the default: one line and a ``divergence`` event, the run goes
    on, as a heuristic must never end a good run) or ``stop`` (the run ends with one line naming
    its last checkpoint). Non-finite weights always stop a run, and are never checkpointed.

    ``precision``: ``32-true``, ``bf16-mixed`` (autocast), or ``auto``: bf16 where the device
    runs it natively (a CPU with bf16 instructions, a GPU that supports it), else fp32, chosen
    when the run starts and written into its ``config.yaml`` (so a resume keeps it).
    """

    steps: int = 2000
    batch_size: int = 16
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    decay_start: float = 0.5
    lr_schedule: str = "linear_decay"
    log_every: int = 25
    eval_every: int = 500
    sample_every: int = 500
    checkpoint_every: int = 500
    keep_checkpoints: int = 2
    max_nonfinite: int = 20
    accelerator: str = "cpu"
    devices: int = 1
    precision: str = "32-true"
    channels_last: bool = False
    num_threads: int | None = None
    ema_decay: float = 0.0
    on_divergence: str = "warn"
    divergence_loss_factor: float = 100.0
    divergence_loss_steps: int = 20
    divergence_weight_growth: float = 1000.0

    def validate(self) -> None:
        for key in ("steps", "batch_size", "log_every", "eval_every", "sample_every",
                    "checkpoint_every", "keep_checkpoints", "max_nonfinite", "devices",
                    "divergence_loss_steps"):
            check_positive(f"train.{key}", getattr(self, key))
        check_positive("train.lr", self.lr)
        if not 0.0 <= self.decay_start <= 1.0:
            raise ConfigError(f"train.decay_start={self.decay_start} must be in [0, 1]")
        check_choice("train.accelerator", self.accelerator, ("cpu", "cuda", "gpu", "auto"))
        check_choice("train.lr_schedule", self.lr_schedule, ("linear_decay", "dann"))
        check_choice("train.precision", self.precision, ("32-true", "bf16-mixed", "auto"))
        if self.num_threads is not None:
            check_positive("train.num_threads", self.num_threads)
        if not 0.0 <= self.ema_decay < 1.0:
            raise ConfigError(f"train.ema_decay={self.ema_decay} must be in [0, 1): 0 turns the "
                              f"weight average off, 0.998 is VADA / DIRT-T's")
        check_choice("train.on_divergence", self.on_divergence, ("warn", "stop"))
        if not self.divergence_loss_factor > 0:
            raise ConfigError(f"train.divergence_loss_factor={self.divergence_loss_factor} "
                              f"must be > 0")
        if not self.divergence_weight_growth > 1.0:
            raise ConfigError(f"train.divergence_weight_growth={self.divergence_weight_growth} "
                              f"must be above 1 (a growth factor of the weights since step 0)")


@dataclass
class EvalConfig:
    """Final evaluation. ``checkpoint`` names the selection rule; it never reads the test set.

    ``last``: the final weights. ``best_val_cycle``: the checkpoint with the lowest cycle
    reconstruction error on a validation slice held out of the *training* split.
    """

    checkpoint: str = "last"
    num_samples: int = 8
    judge_epochs: int = 15
    translation_accuracy: bool = True

    def validate(self) -> None:
        check_choice("eval.checkpoint", self.checkpoint, ("last", "best_val_cycle"))
        check_positive("eval.num_samples", self.num_samples)
        check_positive("eval.judge_epochs", self.judge_epochs)


@dataclass
class ExperimentConfig:
    """One experiment: a method, how it is optimised, on which data, for how long."""

    method: str
    model: Any
    data: Any
    strategy: StrategyConfig = field(default_factory=StrategyConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {key: _plain(getattr(self, key)) for key in TOP_LEVEL_KEYS}

    def fingerprint(self) -> str:
        """Hash of everything that shapes the networks and the data (not the budget)."""
        data = {k: v for k, v in _fingerprinted(self.data).items() if k != "data_dir"}
        shape = {"method": self.method, "model": _fingerprinted(self.model), "data": data}
        return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]

    def validate(self) -> None:
        for section in (self.strategy, self.data, self.train, self.eval, self.model):
            if hasattr(section, "validate"):
                section.validate()


def build_config(raw: dict[str, Any] | None = None, overrides: list[str] | None = None,
                 ) -> ExperimentConfig:
    """Turn a (YAML) mapping plus ``key.sub=value`` overrides into a validated config (the
    mapping given is left as it is)."""
    raw = copy.deepcopy(dict(raw or {}))
    for item in overrides or []:
        _apply_override(raw, item)
    unknown = sorted(set(raw) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise ConfigError(f"unknown top-level config key(s) {unknown}"
                          f"{_did_you_mean(unknown, TOP_LEVEL_KEYS)}; valid keys: "
                          f"{list(TOP_LEVEL_KEYS)}")
    method = raw.get("method")
    if method is None:
        raise ConfigError(f"config has no 'method'; choose one of {list_methods()}")
    method_class = get_method_class(method)
    strategy_raw = raw.get("strategy", {})
    if isinstance(strategy_raw, str):
        strategy_raw = {"name": strategy_raw}
    strategy_raw = {"name": method_class.default_strategy, **(strategy_raw or {})}
    config = ExperimentConfig(
        method=method,
        model=_from_mapping(method_class.model_config, raw.get("model"), "model"),
        strategy=_from_mapping(StrategyConfig, strategy_raw, "strategy"),
        data=_from_mapping(method_class.data_config, raw.get("data"), "data"),
        train=_from_mapping(TrainConfig, raw.get("train"), "train"),
        eval=_from_mapping(EvalConfig, raw.get("eval"), "eval"),
        seed=_coerce("seed", raw.get("seed", 0), int),
    )
    config.validate()
    if config.strategy.name not in method_class.strategies:
        raise ConfigError(f"method '{method}' does not support strategy "
                          f"'{config.strategy.name}'; choose one of {list(method_class.strategies)}")
    if config.eval.checkpoint not in method_class.checkpoint_rules:
        raise ConfigError(f"method '{method}' does not support eval.checkpoint="
                          f"'{config.eval.checkpoint}' (it reports no validation cycle error); "
                          f"choose one of {list(method_class.checkpoint_rules)}")
    return config


def load_config(path: str | Path, overrides: list[str] | None = None) -> ExperimentConfig:
    """Read a YAML preset and apply overrides."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"config file '{path}' is a directory; give a YAML file, e.g. one of "
                          f"the presets in configs/")
    if not path.is_file():
        raise ConfigError(f"config file '{path}' does not exist; presets are in configs/")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ConfigError(f"config file '{path}' is not valid YAML: "
                          f"{str(error).splitlines()[0]}") from None
    if raw is not None and not isinstance(raw, dict):
        raise ConfigError(f"config file '{path}' must hold a mapping of {list(TOP_LEVEL_KEYS)}")
    return build_config(raw, overrides)


def save_config(config: ExperimentConfig, path: Path) -> None:
    atomic_write_text(path, yaml.safe_dump(config.to_dict(), sort_keys=False))


def _apply_override(raw: dict[str, Any], item: str) -> None:
    if "=" not in item:
        raise ConfigError(f"override '{item}' must look like section.key=value "
                          f"(e.g. train.steps=200)")
    dotted, text = item.split("=", 1)
    keys = dotted.strip().split(".")
    node = raw
    for key in keys[:-1]:
        child = node.get(key)
        if isinstance(child, str) and key == "strategy":
            child = {"name": child}
        if child is None:
            child = {}
        if not isinstance(child, dict):
            raise ConfigError(f"override '{item}': '{key}' is not a section")
        node[key] = child
        node = child
    node[keys[-1]] = yaml.safe_load(text) if text.strip() else None


def _from_mapping(cls: type, raw: Any, where: str) -> Any:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"'{where}' must be a mapping of keys {_field_names(cls)}")
    raw = _renamed_keys(cls, raw, where)
    unknown = sorted(set(raw) - set(_field_names(cls)))
    if unknown:
        hint = _did_you_mean(unknown, _field_names(cls))
        raise ConfigError(f"unknown key(s) {unknown} in '{where}'{hint}; valid keys: "
                          f"{_field_names(cls)}")
    hints = typing.get_type_hints(cls)
    values = {key: _coerce(f"{where}.{key}", value, hints[key]) for key, value in raw.items()}
    return cls(**values)


def _did_you_mean(unknown: list[str], valid) -> str:
    """`` (did you mean 'steps'?)`` for the first unknown key close to a valid one, else ''."""
    for key in unknown:
        close = difflib.get_close_matches(str(key), list(valid), n=1)
        if close:
            return f" (did you mean '{close[0]}'?)"
    return ""


def _renamed_keys(cls: type, raw: dict[str, Any], where: str) -> dict[str, Any]:
    """``raw`` with the old names of renamed options replaced by their new ones."""
    raw = dict(raw)
    for f in dataclasses.fields(cls):
        old = f.metadata.get("renamed_from")
        if old is None or old not in raw:
            continue
        if f.name in raw:
            raise ConfigError(f"'{where}' sets both {where}.{old} and {where}.{f.name}; "
                              f"{old} was renamed to {f.name}, keep only {where}.{f.name}")
        warnings.warn(f"{where}.{old} was renamed to {where}.{f.name}; read as {where}.{f.name}",
                      CyclekitWarning, stacklevel=2)
        raw[f.name] = raw.pop(old)
    return raw


def _coerce(where: str, value: Any, annotation: Any) -> Any:
    """Check ``value`` against a simple annotation (int, float, str, bool, X | None)."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        options = typing.get_args(annotation)
        if value is None and type(None) in options:
            return None
        annotation = next(option for option in options if option is not type(None))
    if annotation is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if annotation is float and isinstance(value, str):
        # YAML 1.1 reads exponent notation without a dot (3e-5) as a string.
        try:
            return float(value)
        except ValueError:
            pass
    if annotation in (int, float, str, bool) and (
            not isinstance(value, annotation) or (annotation is int and isinstance(value, bool))):
        raise ConfigError(f"{where} must be of type {annotation.__name__}, got {value!r}")
    return value


def _field_names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _plain(value: Any) -> Any:
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value


def _fingerprinted(section: Any) -> Any:
    """A section's fields (renamed ones under their old names), less those :data:`ADDED_LATER`
    that are at their default."""
    if not dataclasses.is_dataclass(section):
        return section
    return {f.metadata.get("renamed_from", f.name): _plain(getattr(section, f.name))
            for f in dataclasses.fields(section)
            if not (f.metadata.get("added_later") and getattr(section, f.name) == f.default)}


def check_choice(where: str, value: Any, options: tuple) -> None:
    if value not in options:
        raise ConfigError(f"{where}={value!r} is not valid; choose one of {list(options)}")


def check_positive(where: str, value: float) -> None:
    if value <= 0:
        raise ConfigError(f"{where}={value} must be > 0")


def check_non_negative(where: str, value: float) -> None:
    if value < 0:
        raise ConfigError(f"{where}={value} must be >= 0")
