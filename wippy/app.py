"""An application: a project's entries in a registry, with the kind
handlers that give them life, and the ways in: ``call`` a function entry
from Python, or from Lua through ``funcs``.

    app = App.open("path/to/project")       # load, validate, boot
    result = app.call("app:hello", "world")  # -> tuple of Lua values

Every call runs in a greenlet; ``App.call`` may be used from plain Python
(it starts the greenlet and waits) or from inside one.
"""

import json
import logging
import os
import sys
import threading

import gevent
from greenlet import getcurrent

from .registry import Registry, Entry, RegistryError, open_history
from .luaentry import LuaEntries, EntryError, chunkname_for
from .runtime.values import LuaTable, LuaError
from .runtime.errors import convert, lua_frame
from .runtime.ops import tostring_meta
from .logger import GATE as _LOG_GATE, INFO as _INFO, log_print

__all__ = ["App", "CallError", "current_frame"]

log = logging.getLogger("wippy")


class CallError(Exception):
    """A function entry failed: ``error`` is the Wippy error value."""

    def __init__(self, error):
        Exception.__init__(self, str(error))
        self.error = error


class Frame:
    """What a running call knows about itself: the entry and the context
    values, inherited by the calls it makes."""
    __slots__ = ("app", "entry_id", "context", "parent")

    def __init__(self, app, entry_id, context, parent=None):
        self.app = app
        self.entry_id = entry_id
        self.context = context
        self.parent = parent


def current_frame():
    g = getcurrent()
    fr = getattr(g, "wippy_frame", None)
    while fr is None:
        # a Lua coroutine's greenlet: the frame of whoever resumed it
        g = g.parent
        if g is None:
            return None
        fr = getattr(g, "wippy_frame", None)
    return fr


def _set_frame(frame):
    g = getcurrent()
    prev = getattr(g, "wippy_frame", None)
    g.wippy_frame = frame
    return prev


class App:
    def __init__(self, root=".", config=None, history=None, cache_dir=None):
        self.root = os.path.abspath(root)
        self.config = config or {}
        self.sources = {}
        self.cache_dir = cache_dir
        self.registry = Registry(history)
        self.lua = LuaEntries(self)
        self.registry.add_handler(self.lua)
        from .process import Node, HostHandler, FuncProcess, current_process
        self._FuncProcess = FuncProcess
        self._current_process = current_process
        from .services import ServiceHandler
        from .runtime.ops import set_tick_hook
        self.node = Node(self)
        self.registry.add_handler(HostHandler(self.node))
        self.services = ServiceHandler(self)
        self.registry.add_handler(self.services)
        set_tick_hook(self.node.tick)
        self.module_factories = {}      # Lua modules added by plugins (see plugins.py)
        self.start_hooks = []
        self.stop_hooks = []
        self.registry.decode = self.decode_entry
        self.registry.kind_hook = self._plugin_for_kind
        self.print_hook = None
        self.booting = False
        self._globals_tmpl = None

    def _plugin_for_kind(self, kind):
        from .plugins import ensure_for_kind
        ensure_for_kind(self, kind)

    def env_lookup(self, name):
        """The value of ``${env:NAME}``: a registered ``env.variable`` (public
        name or entry ID) gives its storage's value, else its default (see
        envstore.py).  Never a raw OS variable: an OS value is reached by
        registering a variable on an ``env.storage.os`` storage."""
        h = self.__dict__.get("env_handler")
        if h is not None:
            known, v = h.lookup(name)
            if known:
                return v
        return None

    def decode_entry(self, entry):
        """The entry as kind handlers see it: ``${...}`` placeholders of its
        data resolved (Lua sources are code: never touched)."""
        if entry.kind.endswith(".lua") or "${" not in json.dumps(entry.data, default=str):
            return entry
        from .project import interpolate, ProjectError
        try:
            data = interpolate(entry.data, self.env_lookup)
        except ProjectError as e:
            from .registry import ChangeRejected
            raise ChangeRejected("entry %s: %s" % (entry.id, e), entry.id) from None
        return Entry(entry.id, entry.kind, entry.meta, data)

    # -- opening a project -------------------------------------------------
    @classmethod
    def open(cls, root=".", config_files=(), sets=(), overrides=(), history=None,
             lock_file="wippy.lock"):
        """Load, validate and boot a project; raises ProjectError listing
        every problem found."""
        from .project import load_config, load_project, ProjectError
        config = load_config(root, config_files, sets)
        project = load_project(root, config=config, overrides=overrides, lock_file=lock_file)
        if project.problems:
            raise ProjectError(_with_env_problems(project))
        reg_cfg = config.get("registry") or {}
        if history is None:
            history = open_history(reg_cfg, project.root)
        cache = ((config.get("lua") or {}).get("cache") or {})
        cache_dir = None
        if cache.get("enabled", True) and os.environ.get("WIPPY_CACHE_DIR") is None:
            cache_dir = os.path.join(project.root, cache.get("dir") or ".wippy/cache/lua")
        app = cls(project.root, config, history, cache_dir)
        app.boot_defs(project.entries)
        return app

    def boot_defs(self, defs):
        if any(d.kind.startswith("env.") for d in defs):
            from .envstore import prepare_boot
            defs = prepare_boot(defs, self.root)    # env entries first; checks them all
        entries = []
        for d in defs:
            self.sources[d.id] = getattr(d, "sources", None) or {}
            entries.append(Entry(d.id, d.kind, d.meta, d.data))
        self.booting = True
        try:
            return self.registry.load(entries, "boot")
        finally:
            self.booting = False

    def close(self):
        self.registry.close()

    def node_name(self):
        relay = self.config.get("relay") or {}
        return "%s@%s" % (relay.get("node_name") or "local", "app")

    # -- compiling ---------------------------------------------------------
    def chunkname(self, entry):
        return chunkname_for(entry, self.sources.get(entry.id), self.root)

    def is_cached(self, source, chunkname, imports_key=""):
        from .compiler.chunk import cached
        return cached(source, chunkname, imports_key, self.cache_dir)

    def compile(self, source, chunkname, imports_key=""):
        from .compiler.chunk import compile_chunk
        return compile_chunk(source, chunkname, imports=imports_key, cache_root=self.cache_dir)

    # -- what entries see --------------------------------------------------
    def install_globals(self, G, entry):
        tmpl = self._globals_tmpl
        if tmpl is None:
            from .lerrors import make_errors_module
            from .payload import make_payload_module
            from .channel import make_channel_module
            from .funcs import make_process_global
            from .process import make_process_module, make_coroutine_spawn
            tmpl = self._globals_tmpl = (
                ("errors", make_errors_module()), ("payload", make_payload_module()),
                ("channel", make_channel_module()),
                ("process", make_process_module(self.node, self, entry,
                                                make_process_global(self, entry))),
                make_coroutine_spawn())
        for name, t in tmpl[:-1]:
            G[name] = LuaTable(t)     # the functions are shared, the tables are not
        G["coroutine"]["spawn"] = tmpl[-1]

    def builtin_module(self, name, entry):
        factory = self.module_factories.get(name)
        if factory is None:
            from .plugins import ensure_for_module
            ensure_for_module(self, name)
            factory = self.module_factories.get(name)
        if factory is not None:
            return factory(self, entry)
        if name == "funcs":
            from .funcs import make_funcs_module
            return make_funcs_module(self)
        if name == "registry":
            from .registry_mod import make_registry_module
            return make_registry_module(self)
        if name == "io":
            from .termio import make_io_module
            return make_io_module(self.node)
        if name == "ctx":
            from .funcs import make_ctx_module
            return make_ctx_module()
        if name == "logger":
            from .logger import make_logger_module
            return make_logger_module(self, entry)
        from .modules import BUILTIN_MODULES
        factory = BUILTIN_MODULES.get(name)
        if factory is None:
            return None
        return _shared("mod:" + name, factory)

    def make_print(self, entry, chunkname):
        """``print``: an info line of the Lua logger, with the entry's
        location (or a call of ``print_hook(entry_id, location, text)``)."""
        app = self
        eid = entry.id
        getframe = sys._getframe
        gate = _LOG_GATE

        def lua_print(*args):
            hook = app.print_hook
            if hook is None and gate.level > _INFO:
                return ()
            msg = "\t".join(tostring_meta(a) for a in args)
            if hook is not None:
                f = lua_frame(1)
                hook(eid, "%s:%d" % (eid, f.f_lineno if f is not None else 0), msg)
            else:
                log_print(eid, msg, getframe(1))
            return ()
        return lua_print

    # -- running -----------------------------------------------------------
    def run_lua(self, fn, args):
        try:
            return fn(*args)
        except LuaError:
            raise
        except (EntryError, RegistryError):
            raise
        except Exception as e:
            raise convert(e) from None

    def call_entry(self, eid, args, context=None, host=None):
        """Run a function entry in the current greenlet: the tuple of its
        results.  Raises EntryError (no such function...) or LuaError.

        The call is a short-lived process: it has a PID of its own (made
        when first asked for), an inbox other processes can send to, and
        the ``coroutine.spawn`` work it starts outlives the call."""
        g = getcurrent()
        parent = getattr(g, "wippy_frame", None)
        caller = getattr(g, "wippy_proc", None)
        if parent is None:
            # a Lua coroutine's greenlet: the caller is whoever resumed it
            parent, caller = current_frame(), self._current_process()
        ctx = parent.context if parent is not None else _EMPTY
        if context:
            ctx = dict(ctx)
            ctx.update(context)
        g.wippy_frame = Frame(self, eid, ctx, parent)   # contexts are never mutated
        fp = self._FuncProcess(self.node, eid, host if host is not None else
                               (caller.host if caller is not None else None), ctx, g)
        g.wippy_proc = fp
        r = None
        try:
            inst = self.lua.acquire(eid)
            try:
                r = inst.fn(*args)
            except (LuaError, EntryError, RegistryError):
                raise
            except Exception as e:
                raise convert(e) from None
            finally:
                self.lua.release(inst)
        finally:
            g.wippy_frame = parent
            g.wippy_proc = caller
            fp.returned(r)
        if type(r) is tuple:
            return r
        return (r,)

    def call(self, eid, *args, context=None):
        """Call a function entry from Python: Lua results as a tuple;
        raises CallError with the Wippy error value when the call fails."""
        from .convert import copy_value
        args = tuple(map(copy_value, args))
        if isinstance(getcurrent(), gevent.Greenlet):
            return self._call_protected(eid, args, context)
        return run_in_hub(lambda: self._call_protected(eid, args, context))

    def terminal_host(self, host=None):
        """The terminal host a ``-x`` entry runs on: ``host``, else the
        project's only (first) ``terminal.host``, else a built-in one."""
        from .process import Host
        hid = host
        if hid is None:
            terms = sorted(h.id for h in self.node.hosts.values() if h.terminal)
            hid = terms[0] if terms else None
        if hid is None:
            hid = "wippy:terminal"
            if hid not in self.node.hosts:
                self.node.hosts[hid] = Host(hid, "terminal.host", *self.node.term_streams())
        return hid

    def run_process_main(self, eid, args, host=None):
        """Run a process entry on a terminal host until it exits (``wippy
        run -x`` on a process.lua entry): its result as a 1-tuple; raises
        CallError when it failed."""
        from .process import _ProcError

        def body():
            hid = self.terminal_host(host)
            h = self.node.hosts.get(hid)
            if h is not None:
                h.args = list(args)
            try:
                pid = self.node.spawn(eid, hid, tuple(args))
            except _ProcError as e:
                from .lerrors import new_error
                raise CallError(new_error(e.kind, str(e))) from None
            self.main_pid = pid
            proc = self.node.procs.get(pid)
            if proc is None:
                return (None,)
            proc.done.wait()
            if proc.error is not None:
                raise CallError(proc.error)
            return (proc.value,)
        return run_in_hub(body)

    def run_function_main(self, eid, args, host=None):
        """Call a function entry as a program on a terminal host (``wippy
        run -x`` on a function.lua entry): its results; raises CallError."""
        from .convert import copy_value
        args = tuple(map(copy_value, args))

        def body():
            hid = self.terminal_host(host)
            h = self.node.hosts.get(hid)
            if h is not None:
                h.args = list(args)
            self.main_glet = getcurrent()
            return self._call_protected(eid, args, None, h)
        return run_in_hub(body)

    def interrupt_main(self):
        """Ctrl+C during ``-x``: end the program's process or call now."""
        def body():
            pid = getattr(self, "main_pid", None)
            proc = self.node.procs.get(pid) if pid else None
            if proc is not None:
                self.node.kill(proc)
            g = getattr(self, "main_glet", None)
            if g is not None and not g.dead:
                g.kill(block=False)
        run_in_hub(body)

    def start(self):
        """Start the services marked auto_start and the plugins' servers (in
        the application hub)."""
        def body():
            for fn in self.start_hooks:
                fn()
            self.services.start_all()
        run_in_hub(body)

    def stop(self, timeout=None):
        """Stop every service and process: CANCEL, wait, then terminate."""
        t = timeout
        if t is None:
            from .services import parse_seconds
            t = parse_seconds((self.config.get("shutdown") or {}).get("timeout"), 30.0)

        def body():
            for fn in reversed(self.stop_hooks):
                try:
                    fn()
                except Exception:       # pragma: no cover - keep stopping the rest
                    log.exception("stop hook failed")
            self.services.stop_all(t)
            self.node.stop_all(t)
        run_in_hub(body)

    def serve(self):
        """``wippy run``: start the services and run until SIGINT/SIGTERM,
        then stop everything cleanly."""
        import signal
        stop = threading.Event()

        def handler(signum, frame):
            stop.set()
        old = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                old[sig] = signal.signal(sig, handler)
            except ValueError:      # not the main thread
                pass
        try:
            # a server must survive clients that close their connections
            # (the CLI restores SIGPIPE's default for `wippy lua | head`)
            old[signal.SIGPIPE] = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        except (ValueError, AttributeError):
            pass
        try:
            self.start()
            while not stop.wait(0.2):
                pass
            log.info("stopping")
            self.stop()
        finally:
            for sig, h in old.items():
                signal.signal(sig, h)

    def _call_protected(self, eid, args, context, host=None):
        from .lerrors import from_exception
        try:
            return self.call_entry(eid, args, context, host)
        except (LuaError, EntryError, RegistryError) as e:
            raise CallError(from_exception(e)) from None


_SHARED = {}
_EMPTY = {}


def _with_env_problems(project):
    """The loader's problems and the env entries' own (duplicate names, routers
    naming other kinds...), so one run reports them all."""
    problems = list(project.problems)
    if any(d.kind.startswith("env.") for d in project.entries):
        from .envstore import prepare_boot
        from .project import ProjectError
        try:
            prepare_boot(project.entries, project.root, {p.entry for p in problems if p.entry})
        except ProjectError as e:
            problems.extend(e.problems)
            problems.sort(key=lambda p: (p.file or "", p.line))
    return problems


def _shared(key, factory):
    """Module tables built once; each entry gets a shallow copy so one
    entry's writes to a module table stay its own."""
    t = _SHARED.get(key)
    if t is None:
        t = _SHARED[key] = factory()
    return LuaTable(t) if isinstance(t, LuaTable) else t


# ---------------------------------------------------------------------------
# running greenlets with a deep stack

_STACK = 512 * 1024 * 1024


def _in_greenlet(fn):
    """Run fn in a new greenlet and wait: its result, or its exception
    re-raised here (without gevent printing it as a crashed greenlet)."""
    def body():
        try:
            return True, fn()
        except BaseException as e:
            return False, e
    ok, r = gevent.spawn(body).get()
    if not ok:
        raise r
    return r


class _HubThread:
    """One long-lived thread with a big C stack running the gevent hub that
    every application greenlet lives in (processes outlive the call that
    spawned them).  Work comes in thread-safely through ``submit``."""

    def __init__(self):
        self.ready = threading.Event()
        self.hub = None
        old = threading.stack_size()
        try:
            threading.stack_size(_STACK)
        except (ValueError, RuntimeError):      # pragma: no cover
            pass
        try:
            self.thread = threading.Thread(target=self._main, name="wippy-main", daemon=True)
            self.thread.start()
        finally:
            threading.stack_size(old)
        self.ready.wait()

    def _main(self):
        from gevent.event import Event
        self.hub = gevent.get_hub()
        keep = self.hub.loop.async_()
        keep.start(lambda: None)        # an active watcher: the loop never runs dry
        forever = Event()
        self.ready.set()
        forever.wait()

    def submit(self, fn):
        done = threading.Event()
        box = {}

        def body():
            try:
                box["r"] = fn()
            except BaseException as e:      # re-raised in the caller's thread
                box["e"] = e
            finally:
                done.set()

        self.hub.loop.run_callback_threadsafe(lambda: gevent.spawn(body))
        while not done.wait(0.5):
            pass
        if "e" in box:
            raise box["e"]
        return box["r"]

    def post(self, fn):
        """Run fn in a new greenlet of the hub thread, without waiting."""
        self.hub.loop.run_callback_threadsafe(lambda: gevent.spawn(fn))


_HUB = []
_HUB_LOCK = threading.Lock()


def hub_thread():
    with _HUB_LOCK:
        if not _HUB:
            _HUB.append(_HubThread())
        return _HUB[0]


def run_in_hub(fn):
    """Run ``fn`` in a greenlet of the application hub and wait for it.
    Deeply recursive Lua needs a big C stack, so that hub runs in a thread
    with one."""
    if threading.current_thread().name == "wippy-main":
        return _in_greenlet(fn)
    return hub_thread().submit(fn)
