"""A Wippy project as a WSGI application, for gunicorn's gevent worker:

    gunicorn -k gevent -w 4 --bind 0.0.0.0:8080 'wippy.wsgi:application(root="path/to/project")'

``application(root=".", **opts)`` returns the WSGI callable.  gunicorn calls
it in each worker after the fork (unless ``--preload``), and the project is
loaded once per worker, lazily, on the first request (or at once with
``eager=True``; ``post_worker_init`` below does that from a gunicorn config
file).  Loading boots the registry and runs the application's start hooks
and ``auto_start`` services; the ``http.service`` listeners are *not*
opened: gunicorn is the server.  A request is routed to the service whose
port matches the request's Host/server port, or to the only service.

Options: ``config`` (a list of config files), ``sets`` (``section.key=value``
strings), ``overrides``, ``history`` ("memory", the default, or "sqlite").
Workers keep their registry history in memory by default: several workers
appending versions to one SQLite history would collide.

Hubs.  Under gunicorn's gevent worker the process is monkey-patched, so the
application's "hub thread" (``wippy.app.hub_thread``) is itself a greenlet of
the worker's only hub: requests, processes and services all share that hub,
and endpoint functions run directly in gunicorn's request greenlets (no
hand-off).  The price is the C stack: it is the worker's main thread stack
(usually 8 MB), not the 512 MB one ``wippy run`` gives, so very deep Lua
recursion is shallower here.

Logs.  wippy's lines (runtime and Lua ``logger``) are written to gunicorn's
error log handlers in the project's ``logger.encoding`` (console or json), at
gunicorn's ``--log-level`` floored by ``logmanager.min_level``.

Shutdown.  On SIGTERM gunicorn stops accepting, lets running requests finish
(``--graceful-timeout``) and exits the worker; at exit the application is
stopped (stop hooks, services, CANCEL to every process, then terminate).
"""

import atexit
import threading

__all__ = ["application", "post_worker_init", "worker_exit"]

_APPS = []


class WippyWSGI:
    def __init__(self, root=".", config=(), sets=(), overrides=(), history="memory",
                 eager=False):
        self.root = root
        self.config = tuple(config or ())
        self.sets = tuple(sets or ())
        self.overrides = tuple(overrides or ())
        self.history = history
        self.app = None
        self.wsgi = None
        self._lock = None
        self._stopped = False
        _APPS.append(self)
        if eager:
            self.load()

    def load(self):
        if self.wsgi is not None:
            return self.wsgi
        if self._lock is None:
            self._lock = threading.Lock()    # gevent's under monkey-patching
        with self._lock:
            if self.wsgi is None:
                from .app import App
                from .registry import MemoryHistory
                from .http import make_wsgi_app
                hist = MemoryHistory() if self.history == "memory" else None
                _log_to_gunicorn(self.root, self.config, self.sets)
                app = App.open(self.root, config_files=self.config, sets=self.sets,
                               overrides=self.overrides, history=hist)
                from .plugins import ensure
                ensure(app, "wippy.http")
                app.http.external = True
                app.start()
                self.app = app
                self.wsgi = make_wsgi_app(app.http, None)
                atexit.register(self.stop)
        return self.wsgi

    def stop(self):
        if self.app is None or self._stopped:
            return
        self._stopped = True
        try:
            self.app.stop()
        finally:
            self.app.close()

    def __call__(self, environ, start_response):
        w = self.wsgi
        if w is None:
            w = self.load()
        return w(environ, start_response)


def _log_to_gunicorn(root, config, sets):
    """wippy's log lines go to gunicorn's error log, in the encoding of the
    project's config (``logger.encoding``), at gunicorn's ``--log-level``."""
    from .logger import attach_gunicorn
    from .project import load_config, ProjectError
    try:
        cfg = load_config(root, config, sets)
    except (ProjectError, OSError, ValueError):
        cfg = None          # App.open reports it
    attach_gunicorn(cfg)


def application(root=".", **opts):
    """The WSGI callable for gunicorn (see the module docstring)."""
    return WippyWSGI(root, **opts)


def post_worker_init(worker):
    """gunicorn hook (``post_worker_init = wippy.wsgi.post_worker_init`` in a
    config file): load the project as soon as the worker starts."""
    w = getattr(worker, "wsgi", None)
    if isinstance(w, WippyWSGI):
        w.load()


def worker_exit(server, worker):
    """gunicorn hook: stop the worker's application."""
    for a in list(_APPS):
        a.stop()
