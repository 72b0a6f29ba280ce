"""Command line: ``wippy`` (run things) and ``wippyc`` (compile things).

    wippy lua FILE [ARGS...]     run a Lua / typed-Lua script like `lua`
    wippyc py FILE               print the Python generated for a Lua file
"""

import argparse
import sys

__all__ = ["main", "wippyc_main"]


def _lua(argv):
    if not argv:
        sys.stderr.write("usage: wippy lua FILE [ARGS...]\n")
        return 1
    from .runtime.interp import run_file
    return run_file(argv[0], argv[1:])


def _default_sigpipe():
    # behave like the lua interpreter when the output pipe closes (`| head`)
    try:
        import signal
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    except (ImportError, AttributeError, ValueError):   # pragma: no cover
        pass


def main(argv=None):
    _default_sigpipe()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write("usage: wippy COMMAND [ARGS...]\n\n"
                         "commands:\n"
                         "  lua FILE [ARGS...]     run a Lua script (Lua 5.3 with Wippy's typed dialect)\n"
                         "  init [DIR]             create wippy.lock for a new project\n"
                         "  run                    serve the project until SIGINT/SIGTERM\n"
                         "  run -x NS:ENTRY [ARGS] run a function (print its result) or a process\n"
                         "  run list | run NAME    list / run the entries declaring meta.command\n"
                         "  registry list|show     list and show the project's entries\n")
        return 0 if argv else 1
    cmd, rest = argv[0], argv[1:]
    if cmd == "lua":
        return _lua(rest)
    if cmd in ("init", "run", "registry"):
        from . import projcli
        return getattr(projcli, "cmd_" + cmd)(rest)
    sys.stderr.write("wippy: unknown command '%s' (try: wippy --help)\n" % cmd)
    return 2


def wippyc_main(argv=None):
    parser = argparse.ArgumentParser(prog="wippyc", description="Wippy compiler tools")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("py", help="print the Python code generated for a Lua file")
    p.add_argument("file")
    sub.add_parser("build", help="compile every Lua entry of a project (wippyc build --help)",
                   add_help=False)
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["build"]:
        from .projcli import cmd_build
        return cmd_build(argv[1:])
    args = parser.parse_args(argv)
    if args.cmd == "py":
        from .compiler.chunk import python_source
        from .compiler.errors import LuaSyntaxError
        try:
            with open(args.file, "rb") as f:
                src = f.read()
        except OSError as e:
            sys.stderr.write("wippyc: cannot open %s: %s\n" % (args.file, e.strerror))
            return 1
        try:
            sys.stdout.write(python_source(src, args.file) + "\n")
        except LuaSyntaxError as e:
            sys.stderr.write("wippyc: %s\n" % e)
            return 1
        return 0
    return 2
