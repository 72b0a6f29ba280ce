"""Application plugins: the entry-kind families and Lua modules that live in
their own files (databases, stores, HTTP...).

Each plugin module has ``install(app)``, which may

- add kind handlers: ``app.registry.add_handler(handler)``;
- add Lua modules: ``app.module_factories[name] = factory`` where
  ``factory(app, entry)`` returns the module table for one entry instance;
- run code when the application starts serving and when it stops:
  ``app.start_hooks.append(fn)`` / ``app.stop_hooks.append(fn)`` (called in
  the application hub, in order; stop hooks in reverse).

Plugins are installed when first needed -- when an entry of one of their
kinds is loaded or created, or an entry imports one of their modules -- so
a project pays only for what it uses (the HTTP stack alone costs a fifth of
a second to import).
"""

import importlib

__all__ = ["PLUGINS", "install_all", "ensure", "ensure_for_kind", "ensure_for_module"]

# module, kind prefixes it handles, Lua modules it provides
PLUGINS = (
    ("wippy.sqldb", ("db.sql.",), ("sql",)),
    ("wippy.kvstore", ("store.",), ("store",)),
    ("wippy.http", ("http.",), ("http",)),
    ("wippy.envstore", ("env.",), ("env",)),
)


def ensure(app, name):
    """Install plugin ``name`` into ``app`` once."""
    done = app.__dict__.setdefault("_plugins", set())
    if name in done:
        return
    done.add(name)
    try:
        mod = importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name == name:
            return
        raise
    mod.install(app)


def ensure_for_kind(app, kind):
    for name, prefixes, _ in PLUGINS:
        if kind.startswith(prefixes):
            ensure(app, name)


def ensure_for_module(app, modname):
    for name, _, modules in PLUGINS:
        if modname in modules:
            ensure(app, name)


def install_all(app):
    for name, _, _ in PLUGINS:
        ensure(app, name)
