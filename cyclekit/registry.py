"""The method registry (timm-style): ``@register_method`` records a class by name.

A leaf: it imports no method. The shipped methods register when :mod:`cyclekit` is imported
(each method family's package imports its methods).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cyclekit.errors import ConfigError

if TYPE_CHECKING:
    from cyclekit.engine.method import Method

_METHODS: dict[str, type[Method]] = {}


def register_method(cls: type[Method]) -> type[Method]:
    """Class decorator: make ``cls`` available under ``cls.name``."""
    if cls.name in _METHODS:
        raise ValueError(f"method '{cls.name}' is registered twice")
    _METHODS[cls.name] = cls
    return cls


def list_methods() -> list[str]:
    """Names of all registered methods, sorted."""
    return sorted(_METHODS)


def get_method_class(name: str) -> type[Method]:
    if name not in _METHODS:
        raise ConfigError(f"unknown method '{name}'; choose one of {sorted(_METHODS)}")
    return _METHODS[name]
