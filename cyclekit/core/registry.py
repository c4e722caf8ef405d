"""The method registry (timm-style): ``@register_method`` records a class by name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cyclekit.errors import ConfigError

if TYPE_CHECKING:
    from cyclekit.config import ExperimentConfig
    from cyclekit.core.method import CyclicMethod

_METHODS: dict[str, type[CyclicMethod]] = {}


def register_method(cls: type[CyclicMethod]) -> type[CyclicMethod]:
    """Class decorator: make ``cls`` available under ``cls.name``."""
    if cls.name in _METHODS:
        raise ValueError(f"method '{cls.name}' is registered twice")
    _METHODS[cls.name] = cls
    return cls


def _load_builtin_methods() -> None:
    import cyclekit.methods  # noqa: F401  (registers the shipped methods)


def list_methods() -> list[str]:
    """Names of all registered methods, sorted."""
    _load_builtin_methods()
    return sorted(_METHODS)


def get_method_class(name: str) -> type[CyclicMethod]:
    _load_builtin_methods()
    if name not in _METHODS:
        raise ConfigError(f"unknown method '{name}'; choose one of {sorted(_METHODS)}")
    return _METHODS[name]


def create_method(name: str, config: ExperimentConfig | dict[str, Any] | None = None,
                  ) -> CyclicMethod:
    """Build a registered method from an experiment config (or a partial mapping of one)."""
    from cyclekit.config import ExperimentConfig, build_config

    if not isinstance(config, ExperimentConfig):
        config = build_config({**(config or {}), "method": name})
    if config.method != name:
        raise ConfigError(f"config is for method '{config.method}', not '{name}'")
    return get_method_class(name)(config)
