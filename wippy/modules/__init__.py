"""Lua-facing modules (``require("json")`` and friends).

Each module file exposes ``make_module()`` returning the module table.
``BUILTIN_MODULES`` maps a module name to its factory; other parts of the
runtime add theirs with ``register_module(name, factory)``.  Factories are
called once per Lua state that loads the module (``make_module_table``).
"""

import importlib

__all__ = ["BUILTIN_MODULES", "register_module", "make_module_table"]


def _lazy(modname):
    def factory():
        return importlib.import_module("wippy.modules." + modname).make_module()
    factory.__name__ = "make_%s_module" % modname
    return factory


BUILTIN_MODULES = {
    "json": _lazy("json"),
    "yaml": _lazy("yaml"),
    "base64": _lazy("base64"),
    "uuid": _lazy("uuid"),
    "hash": _lazy("hash"),
    "time": _lazy("time"),
    "events": _lazy("events"),
}


def register_module(name, factory):
    """Add (or replace) the factory of a module name."""
    BUILTIN_MODULES[name] = factory


def make_module_table(name):
    """A fresh module table for ``name`` (KeyError if unknown)."""
    return BUILTIN_MODULES[name]()
