"""Application plugins: the entry-kind families and Lua modules that live in
their own files (databases, stores, HTTP...).

Each plugin module has ``install(app)``, which may

- add kind handlers: ``app.registry.add_handler(handler)``;
- add Lua modules: ``app.module_factories[name] = factory`` where
  ``factory(app, entry)`` returns the module table for one entry instance;
- run code when the application starts serving and when it stops:
  ``app.start_hooks.append(fn)`` / ``app.stop_hooks.append(fn)`` (called in
  the application hub, in order; stop hooks in reverse).

A plugin listed here whose module does not exist yet is skipped.
"""

import importlib

__all__ = ["PLUGINS", "install_all"]

PLUGINS = (
    "wippy.sqldb",      # db.sql.* entries and the sql module
    "wippy.kvstore",    # store.* entries and the store module
    "wippy.http",       # http.* entries, the http module, WSGI serving
)


def install_all(app):
    for name in PLUGINS:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:
                continue
            raise
        mod.install(app)
