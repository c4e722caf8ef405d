"""The method registry (timm-style): a method is found by name.

A leaf: it imports no method. Methods are declared as entry points of the group
``cyclekit.methods`` (the shipped ones in cyclekit's ``pyproject.toml``; another installed
package adds its own the same way) and imported only when their name is asked for, so a
command loads the one method family it runs. ``@register_method`` records a class defined
anywhere else (a script, a notebook) under ``cls.name``.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from cyclekit.errors import ConfigError

if TYPE_CHECKING:
    from cyclekit.engine.method import Method

ENTRY_POINT_GROUP = "cyclekit.methods"
_METHODS: dict[str, type[Method]] = {}


def register_method(cls: type[Method]) -> type[Method]:
    """Class decorator: make ``cls`` available under ``cls.name``."""
    known = _METHODS.get(cls.name)
    if known is not None and known is not cls:
        raise ValueError(f"method '{cls.name}' is registered twice")
    _METHODS[cls.name] = cls
    return cls


def _declared() -> dict:
    return {point.name: point for point in entry_points(group=ENTRY_POINT_GROUP)}


def list_methods() -> list[str]:
    """Names of all methods, declared or registered, sorted."""
    return sorted({*_declared(), *_METHODS})


def get_method_class(name: str) -> type[Method]:
    """The method class registered or declared under ``name`` (importing its module)."""
    if name not in _METHODS:
        declared = _declared()
        if name not in declared:
            if not declared:
                raise ConfigError(f"unknown method '{name}': no method is declared, so cyclekit "
                                  f"is not installed here; run pip install -e . in its checkout")
            raise ConfigError(f"unknown method '{name}'; choose one of {list_methods()}")
        try:
            cls = declared[name].load()
        except ImportError as error:
            raise ConfigError(f"method '{name}' ({declared[name].value}) cannot be imported: "
                              f"{error}") from None
        if getattr(cls, "name", None) != name:
            raise ConfigError(f"entry point '{name}' names {declared[name].value}, whose name is "
                              f"{getattr(cls, 'name', None)!r}; the two must agree")
        register_method(cls)
    return _METHODS[name]
