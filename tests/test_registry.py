"""The registry finds shipped methods by entry point, importing only the one asked for."""

import subprocess
import sys

import pytest

import cyclekit.registry as registry
from cyclekit.errors import ConfigError
from cyclekit.registry import get_method_class, list_methods, register_method

SHIPPED = {"acc", "avb", "cdlm", "cyclegan", "cyclegn", "cycletrack", "dann", "dirt_t", "sjmvi",
           "source_only", "target_only", "vae"}


def test_every_shipped_method_is_declared():
    assert SHIPPED <= set(list_methods())
    for name in SHIPPED:
        assert get_method_class(name).name == name


def test_asking_for_one_method_imports_its_family_only():
    code = ("import sys; from cyclekit.registry import get_method_class, list_methods; "
            "list_methods(); get_method_class('cyclegn'); "
            "print(sorted(m for m in sys.modules if m.startswith('cyclekit.') and "
            "m.split('.')[1] in ('translation', 'adaptation', 'latent', 'affinity', 'tracking')"
            " and m.count('.') == 1))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "['cyclekit.translation']"


def test_unknown_names_are_refused_with_the_choices():
    with pytest.raises(ConfigError, match="unknown method 'cyclegam'; choose one of .*cyclegan"):
        get_method_class("cyclegam")


def test_a_class_of_ones_own_registers_once(monkeypatch):
    monkeypatch.setattr(registry, "_METHODS", dict(registry._METHODS))  # leave no trace

    class Mine:
        name = "mine_for_the_registry_test"

    assert register_method(Mine) is Mine and register_method(Mine) is Mine
    assert get_method_class(Mine.name) is Mine and Mine.name in list_methods()

    class Other:
        name = Mine.name

    with pytest.raises(ValueError, match="registered twice"):
        register_method(Other)
