"""Project commands of the CLI: ``wippy init``, ``wippy run``,
``wippy registry``, ``wippyc build``."""

import argparse
import json
import os
import sys
import time

__all__ = ["cmd_init", "cmd_run", "cmd_registry", "cmd_build"]


def _common(p):
    p.add_argument("--config", action="append", default=[], metavar="FILE",
                   help="extra config file (repeatable, merged left to right)")
    p.add_argument("--set", action="append", default=[], metavar="A.B=V", dest="sets",
                   help="set a config value")
    p.add_argument("-o", "--override", action="append", default=[], metavar="NS:ENTRY:FIELD=V",
                   dest="overrides", help="override an entry field")
    p.add_argument("-l", "--lock-file", default="wippy.lock")
    p.add_argument("-C", "--dir", default=".", help="project directory (default: .)")
    g = p.add_argument_group("logging")
    g.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    g.add_argument("--very-verbose", action="store_true",
                   help="debug logging with stack traces")
    g.add_argument("-s", "--silent", action="store_true", help="no console logging")
    g.add_argument("-c", "--console", action="store_true", help="colourful console logging")


def _err(msg):
    sys.stderr.write("wippy: %s\n" % msg)


def _open(args):
    _setup_logging(args)
    from .app import App
    from .project import ProjectError
    from .registry import RegistryError
    try:
        return App.open(args.dir, args.config, args.sets, args.overrides,
                        lock_file=args.lock_file)
    except ProjectError as e:
        _err("the project has problems:\n%s" % e)
    except RegistryError as e:
        _err("cannot start: %s" % e)
    except OSError as e:
        _err("cannot open the project: %s" % e)
    return None


# -- init ---------------------------------------------------------------------

def cmd_init(argv):
    p = argparse.ArgumentParser(prog="wippy init", description="create wippy.lock")
    p.add_argument("-d", "--src-dir", default="./src")
    p.add_argument("--modules-dir", default=".wippy")
    p.add_argument("-l", "--lock-file", default="wippy.lock")
    p.add_argument("dir", nargs="?", default=".")
    args = p.parse_args(argv)
    from .project import init_project, ProjectError
    try:
        init_project(args.dir, src_dir=args.src_dir, modules_dir=args.modules_dir,
                     lock_file=args.lock_file)
    except ProjectError as e:
        _err(str(e))
        return 1
    sys.stdout.write("wrote %s\n" % os.path.join(args.dir, args.lock_file))
    return 0


# -- run ----------------------------------------------------------------------

def _lua_to_display(v):
    """A function entry's result as printed by ``-x``: the bytes of a
    string as they are, a table as JSON, anything else by ``tostring``."""
    from .runtime.values import LuaTable
    from .runtime.ops import tostring_meta
    if isinstance(v, LuaTable):
        from .convert import to_python
        try:
            return json.dumps(_text(to_python(v)), ensure_ascii=False,
                              sort_keys=True).encode("utf-8", "replace")
        except Exception:
            return tostring_meta(v).encode("latin-1")
    if isinstance(v, str):
        return v.encode("latin-1")
    return tostring_meta(v).encode("latin-1")


def _text(v):
    if isinstance(v, str):
        return v.encode("latin-1", "replace").decode("utf-8", "replace")
    if isinstance(v, list):
        return [_text(x) for x in v]
    if isinstance(v, dict):
        return {_text(k) if isinstance(k, str) else k: _text(x) for k, x in v.items()}
    return v


def _arg_value(s):
    """Command-line arguments reach Lua as strings (UTF-8 bytes)."""
    return s.encode("utf-8", "surrogateescape").decode("latin-1")


def cmd_run(argv):
    p = argparse.ArgumentParser(prog="wippy run", description="run a project entry")
    _common(p)
    p.add_argument("-x", "--exec", metavar="NS:ENTRY",
                   help="run this function or process entry (a process runs on the terminal)")
    p.add_argument("--host", metavar="NS:HOST", help="terminal host for -x (default: the "
                   "project's terminal.host, or a built-in one)")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    if not args.exec and args.rest[:1] == ["list"]:
        return _run_list(args)
    if not args.exec and args.rest:
        return _run_command(args)
    if not args.exec:
        return _serve(args)
    app = _open(args)
    if app is None:
        return 1
    try:
        return _exec(app, args.exec, args.rest, args.host)
    finally:
        app.close()


def _serve(args):
    """``wippy run``: boot, start the auto_start services, run until
    SIGINT/SIGTERM, then stop them cleanly."""
    app = _open(args)
    if app is None:
        return 1
    _setup_logging()
    import logging
    logging.getLogger("wippy").info("runtime ready (%d entries)" % len(app.registry.entries()))
    try:
        app.serve()
    finally:
        app.close()
    return 0


def _find_target(app, name):
    """An entry by full ID, else by its ``meta.command.name``."""
    e = app.registry.get(name) if ":" in name else None
    if e is None:
        for n, ce, _ in _commands(app):
            if n == name:
                return ce
    return e


def _exec(app, target, rest, host=None):
    """``wippy run -x``: boot the whole runtime (hosts, auto_start
    services, servers), run the entry on the terminal host, stop
    everything gracefully.  The exit status: a process's integer result,
    1 when the entry failed, 130 after Ctrl+C."""
    from .app import CallError
    from .lerrors import returned_error
    e = _find_target(app, target)
    if e is None:
        _err("no entry or command '%s'" % target)
        _print_commands(app, sys.stderr)
        return 1
    if e.kind not in ("function.lua", "process.lua"):
        _err("entry %s is a %s; -x runs function.lua and process.lua entries" % (e.id, e.kind))
        return 1
    if host is not None:
        h = app.node.hosts.get(host)
        if h is None or not h.terminal:
            _err("--host %s is not a terminal.host (terminal hosts: %s)" % (
                host, ", ".join(sorted(x.id for x in app.node.hosts.values() if x.terminal))
                or "none"))
            return 1
    args = [_arg_value(a) for a in rest if a != "--"]
    _setup_logging()
    status = 0
    results = ()
    started = False
    try:
        app.start()
        started = True
        if e.kind == "process.lua":
            results = app.run_process_main(e.id, args, host)
        else:
            results = app.run_function_main(e.id, args, host)
    except CallError as ce:
        sys.stderr.write("error: %s\n" % _text(str(ce.error)))
        status = 1
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        status = 130
        if started:
            try:
                app.interrupt_main()
            except KeyboardInterrupt:
                pass
    finally:
        try:
            app.stop()
        except KeyboardInterrupt:
            status = 130
    sys.stdout.flush()
    if status:
        return status
    if e.kind == "process.lua":
        # a terminal process talks through io; its return value is the status
        r = results[0] if results else None
        return r & 0xff if type(r) is int else 0
    err = returned_error(results)
    if err is not None:
        # ``return nil, err``: the call failed, as funcs.call sees it
        sys.stderr.write("error: %s\n" % _text(str(err)))
        return 1
    sys.stdout.flush()
    out = getattr(sys.stdout, "buffer", None)
    for v in results:
        line = _lua_to_display(v) + b"\n"
        if out is not None:
            out.write(line)
        else:           # a text-only stdout (captured)
            sys.stdout.write(line.decode("utf-8", "replace"))
    (out or sys.stdout).flush()
    return 0


def _setup_logging(args=None):
    """Console logging from the config (``logger.encoding``,
    ``logmanager.min_level``) and the flags ``-v``, ``--very-verbose``,
    ``-s``, ``-c``.  ``-x`` runs silent unless ``-v`` or ``-c`` is given.
    Without ``args``: the defaults, unless logging is already set up."""
    from . import logger
    if args is None:
        if _LOGGING:
            return
        logger.configure()
        _LOGGING.append(True)
        return
    from .project import load_config, ProjectError
    try:
        config = load_config(args.dir, args.config, args.sets)
    except (ProjectError, OSError, ValueError):
        config = {}         # App.open reports the problem
    logger.configure(config, verbose=args.verbose, very_verbose=args.very_verbose,
                     silent=args.silent, color=args.console,
                     exec_mode=bool(getattr(args, "exec", None) or getattr(args, "rest", None)))
    _LOGGING.append(True)


_LOGGING = []


def _commands(app):
    out = []
    for e in app.registry.entries():
        cmd = e.meta.get("command")
        if isinstance(cmd, dict) and cmd.get("name"):
            out.append((str(cmd["name"]), e, cmd))
    return sorted(out, key=lambda x: x[0])


def _print_commands(app, out):
    cmds = _commands(app)
    if not cmds:
        out.write("no commands (entries with meta.command)\n")
        return
    if out is sys.stderr:
        out.write("available commands:\n")
    width = max(len(n) for n, _, _ in cmds)
    for name, e, cmd in cmds:
        out.write("%-*s  %s  (%s)\n" % (width, name, cmd.get("short") or "", e.id))


def _run_list(args):
    app = _open(args)
    if app is None:
        return 1
    try:
        _print_commands(app, sys.stdout)
        return 0
    finally:
        app.close()


def _run_command(args):
    app = _open(args)
    if app is None:
        return 1
    try:
        return _exec(app, args.rest[0], args.rest[1:], args.host)
    finally:
        app.close()


# -- registry -----------------------------------------------------------------

def cmd_registry(argv):
    p = argparse.ArgumentParser(prog="wippy registry", description="inspect the registry")
    sub = p.add_subparsers(dest="cmd", required=True)
    pl = sub.add_parser("list", help="list entries")
    _common(pl)
    pl.add_argument("-k", "--kind", help="kind glob")
    pl.add_argument("-n", "--ns", help="namespace glob")
    pl.add_argument("--name", help="name glob")
    pl.add_argument("--meta", action="append", default=[], help="f=v, f~re, f*sub, f^pre, f$suf")
    pl.add_argument("--json", action="store_true")
    pl.add_argument("--yaml", action="store_true")
    ps = sub.add_parser("show", help="show one entry")
    _common(ps)
    ps.add_argument("id")
    ps.add_argument("-f", "--field", help="dotted field to show")
    ps.add_argument("--json", action="store_true")
    ps.add_argument("--yaml", action="store_true")
    args = p.parse_args(argv)
    from .project import load_config, load_project, ProjectError
    from .registry import Entry, select
    try:
        config = load_config(args.dir, args.config, args.sets)
        project = load_project(args.dir, config=config, overrides=args.overrides,
                               lock_file=args.lock_file)
    except ProjectError as e:
        _err("the project has problems:\n%s" % e)
        return 1
    if project.problems:
        from .project import ProjectError as PE
        _err("the project has problems:\n%s" % PE(project.problems))
        return 1
    entries = [Entry(d.id, d.kind, d.meta, d.data) for d in project.entries]
    if args.cmd == "list":
        filt = {}
        if args.kind:
            filt[".kind"] = args.kind
        if args.ns:
            filt[".ns"] = args.ns
        if args.name:
            filt[".name"] = args.name
        for m in args.meta:
            for i, c in enumerate(m):
                if c in "=~*^$":
                    key, val = m[:i], m[i + 1:]
                    filt[(c if c != "=" else "") + "meta." + key] = val
                    break
            else:
                _err("bad --meta filter %r" % m)
                return 2
        found = sorted(select(entries, filt), key=lambda e: e.id)
        if args.json:
            sys.stdout.write(json.dumps([e.to_dict() for e in found], indent=2, default=str) + "\n")
        elif args.yaml:
            import yaml
            sys.stdout.write(yaml.safe_dump([e.to_dict() for e in found], sort_keys=False))
        else:
            width = max([len(e.id) for e in found] + [2])
            for e in found:
                sys.stdout.write("%-*s  %s\n" % (width, e.id, e.kind))
            sys.stdout.write("%d entries\n" % len(found))
        return 0
    e = next((x for x in entries if x.id == args.id), None)
    if e is None:
        _err("entry %s not found" % args.id)
        return 1
    value = e.to_dict()
    if args.field:
        cur = value
        for part in args.field.split("."):
            if isinstance(cur, dict) and part in cur:
                cur = cur[part]
            elif isinstance(cur, dict) and part in cur.get("data", {}):
                cur = cur["data"][part]
            else:
                _err("entry %s has no field %s" % (args.id, args.field))
                return 1
        value = cur
    if args.json:
        sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")
    elif isinstance(value, str) and args.field:
        sys.stdout.write(value if value.endswith("\n") else value + "\n")
    else:
        import yaml
        sys.stdout.write(yaml.safe_dump(value, sort_keys=False, allow_unicode=True))
    return 0


# -- wippyc build -------------------------------------------------------------

def _compile_job(job):
    from .compiler.chunk import compile_chunk
    from .compiler.errors import LuaSyntaxError, InternalCompilerError
    eid, source, name, key, cache_root = job
    t0 = time.perf_counter()
    try:
        compile_chunk(source, name, imports=key, cache_root=cache_root)
    except (LuaSyntaxError, InternalCompilerError) as e:
        return eid, str(e), source.count("\n") + 1, time.perf_counter() - t0
    return eid, None, source.count("\n") + 1, time.perf_counter() - t0


def build_jobs(app_root, config, defs):
    """The compile jobs of a project: exactly what booting it compiles."""
    from .registry import Entry
    from .luaentry import LUA_KINDS, compile_args, chunkname_for

    class _Names:
        # what compile_args needs of an application (App.chunkname's rule),
        # without booting one
        root = os.path.abspath(app_root)
        cache_dir = _cache_dir(app_root, config)
        sources = {}

        def chunkname(self, entry):
            return chunkname_for(entry, self.sources.get(entry.id), self.root)
    app = _Names()
    jobs = []
    for d in defs:
        if d.kind in LUA_KINDS:
            app.sources[d.id] = getattr(d, "sources", None) or {}
            e = Entry(d.id, d.kind, d.meta, d.data)
            try:
                source, name, key = compile_args(app, e)
            except Exception as exc:
                jobs.append((d.id, None, str(exc), None, None))
                continue
            jobs.append((d.id, source, name, key, app.cache_dir))
    return jobs


def _cache_dir(root, config):
    cache = ((config.get("lua") or {}).get("cache") or {})
    if cache.get("enabled", True) and os.environ.get("WIPPY_CACHE_DIR") is None:
        return os.path.join(os.path.abspath(root), cache.get("dir") or ".wippy/cache/lua")
    return None


def cmd_build(argv):
    p = argparse.ArgumentParser(prog="wippyc build",
                                description="compile every Lua entry of a project into the cache")
    p.add_argument("dir", nargs="?", default=".")
    p.add_argument("--config", action="append", default=[])
    p.add_argument("--set", action="append", default=[], dest="sets")
    p.add_argument("-o", "--override", action="append", default=[], dest="overrides")
    p.add_argument("-l", "--lock-file", default="wippy.lock")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("-q", "--quiet", action="store_true")
    args = p.parse_args(argv)
    from .project import load_config, load_project, ProjectError
    t0 = time.perf_counter()
    try:
        config = load_config(args.dir, args.config, args.sets)
        project = load_project(args.dir, config=config, overrides=args.overrides,
                               lock_file=args.lock_file)
    except ProjectError as e:
        sys.stderr.write("wippyc: the project has problems:\n%s\n" % e)
        return 1
    if project.problems:
        sys.stderr.write("wippyc: the project has problems:\n%s\n" % ProjectError(project.problems))
        return 1
    jobs = build_jobs(project.root, config, project.entries)
    ready = [j for j in jobs if j[1] is not None]
    errors = [(j[0], j[2]) for j in jobs if j[1] is None]
    lines = 0
    bar = _Progress(len(ready), quiet=args.quiet)
    if args.jobs > 1 and len(ready) > 4:
        import multiprocessing
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(args.jobs) as pool:
            for eid, err, n, _ in pool.imap_unordered(_compile_job, ready, chunksize=4):
                lines += n
                if err:
                    errors.append((eid, err))
                bar.step()
    else:
        for job in ready:
            eid, err, n, _ = _compile_job(job)
            lines += n
            if err:
                errors.append((eid, err))
            bar.step()
    bar.done()
    dt = time.perf_counter() - t0
    for eid, err in sorted(errors):
        sys.stderr.write("%s\n" % err if eid in err or ":" in err.split(" ")[0] else
                         "%s: %s\n" % (eid, err))
    if not args.quiet:
        sys.stderr.write("compiled %d entries, %d lines in %.2fs (%d lines/s)%s\n" % (
            len(ready), lines, dt, lines / dt if dt else 0,
            ", %d failed" % len(errors) if errors else ""))
    return 1 if errors else 0


class _Progress:
    def __init__(self, total, quiet=False):
        self.total = total
        self.n = 0
        self.quiet = quiet or total == 0
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def step(self):
        self.n += 1
        if self.quiet:
            return
        now = time.perf_counter()
        if self.tty and (now - self.last > 0.05 or self.n == self.total):
            self.last = now
            w = 30
            fill = w * self.n // self.total
            sys.stderr.write("\r[%s%s] %d/%d" % ("#" * fill, "." * (w - fill), self.n, self.total))
            sys.stderr.flush()

    def done(self):
        if not self.quiet and self.tty:
            sys.stderr.write("\n")
