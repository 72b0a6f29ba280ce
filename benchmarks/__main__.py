"""``python -m benchmarks``: run the Lua benchmark programs under wippy and a
reference interpreter, verify their outputs agree and report the slowdown.

Usage::

    python -m benchmarks                 # every program, best of 3
    python -m benchmarks --repeat 5      # best of 5
    python -m benchmarks --only fib --only sort
    python -m benchmarks --quick         # tiny sizes, one run each (smoke test)
    python -m benchmarks --record        # also prepend the run to RESULTS.md

Exit status: 0 when every program ran and printed the same output under both
interpreters, 1 on any output mismatch or crash (of either interpreter), 2 on
a usage error.  The performance targets (geometric mean of the ratios <= 6x,
no ratio above 10x) are reported, never asserted.
"""

import argparse
import datetime
import difflib
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

from . import TARGET_GEOMEAN, TARGET_WORST

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROGRAMS = os.path.join(HERE, "programs")
RESULTS = os.path.join(HERE, "RESULTS.md")
RUN_MARKER = "<!-- run -->"

TIME_RE = re.compile(r"^time:\s*(\S+)\s*$")


# --------------------------------------------------------------------------
# running one program

class Run:
    """The outcome of one execution of one program."""

    def __init__(self, status, stdout, stderr, wall):
        self.status = status          # exit status (None: timed out)
        self.stdout = stdout          # bytes
        self.stderr = stderr          # bytes
        self.wall = wall              # seconds, whole process / whole call
        self.body, self.cpu = split_time_line(stdout)

    @property
    def ok(self):
        return self.status == 0 and self.cpu is not None

    def problem(self):
        if self.status is None:
            return "timed out"
        if self.status != 0:
            err = self.stderr.decode("latin-1").strip().splitlines()
            return "exit status %s%s" % (self.status, (": " + err[-1]) if err else "")
        if self.cpu is None:
            return "no 'time: <seconds>' line at the end of the output"
        return None


def split_time_line(stdout):
    """Split program output into (output without the time line, seconds)."""
    lines = stdout.decode("latin-1").splitlines()
    cpu = None
    if lines:
        m = TIME_RE.match(lines[-1])
        if m:
            try:
                cpu = float(m.group(1))
            except ValueError:
                cpu = None
            lines = lines[:-1]
    return lines, cpu


def run_process(cmd, cwd, env, timeout):
    t = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return Run(None, e.stdout or b"", e.stderr or b"", time.perf_counter() - t)
    wall = time.perf_counter() - t
    return Run(p.returncode, p.stdout, p.stderr, wall)


class WippyRunner:
    name = "wippy"

    def __init__(self, python):
        self.python = python
        env = dict(os.environ)
        env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"]
                                    if env.get("PYTHONPATH") else "")
        self.env = env

    def describe(self):
        return "python -m wippy lua (%s %s)" % (
            os.path.basename(self.python), platform.python_version())

    def run(self, filename, args, timeout):
        cmd = [self.python, "-m", "wippy", "lua", filename] + list(args)
        return run_process(cmd, PROGRAMS, self.env, timeout)


class LuaProcessRunner:
    """A stand-alone reference interpreter such as Debian's lua5.4."""

    def __init__(self, exe):
        self.exe = exe
        self.name = os.path.basename(exe)

    def describe(self):
        try:
            p = subprocess.run([self.exe, "-v"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=30)
            version = p.stdout.decode("latin-1").strip().split("  ")[0]
        except (OSError, subprocess.SubprocessError):
            version = "unknown version"
        return "%s (%s)" % (version, self.exe)

    def run(self, filename, args, timeout):
        return run_process([self.exe, filename] + list(args), PROGRAMS, None, timeout)


_LUPA_MAIN = b"""
local path = ...
arg = table.pack(...)
arg[0] = path
for i = 1, arg.n do arg[i] = arg[i + 1] end
arg.n = nil
local chunk, err = loadfile(path)
if not chunk then error(err, 0) end
chunk(table.unpack(arg, 1, #arg))
"""


class LupaRunner:
    """Fallback reference: lupa.lua54 inside this Python process.

    Lua's C stdio writes straight to file descriptor 1, so the descriptor is
    redirected to a temporary file while the program runs.  The wall time is
    that of the call (there is no interpreter start-up to count)."""

    name = "lupa.lua54"

    def __init__(self):
        import lupa.lua54  # noqa: F401  (fail early if missing)

    def describe(self):
        import lupa
        import lupa.lua54
        rt = lupa.lua54.LuaRuntime()
        return "%s via lupa %s (in-process)" % (rt.lua_version_string()
                                                if hasattr(rt, "lua_version_string")
                                                else rt.eval("_VERSION"),
                                                getattr(lupa, "__version__", "?"))

    def run(self, filename, args, timeout):
        import lupa.lua54 as lua54
        rt = lua54.LuaRuntime(encoding=None)
        cwd = os.getcwd()
        sys.stdout.flush()
        status, err = 0, b""
        with tempfile.TemporaryFile() as out:
            saved = os.dup(1)
            os.chdir(PROGRAMS)
            os.dup2(out.fileno(), 1)
            t = time.perf_counter()
            try:
                rt.execute(_LUPA_MAIN, filename.encode(), *[a.encode() for a in args])
            except lua54.LuaError as e:
                status = 1
                err = (str(e) + "\n").encode("latin-1", "replace")
            finally:
                try:
                    rt.execute(b"io.stdout:flush()")
                except Exception:
                    pass
                wall = time.perf_counter() - t
                os.dup2(saved, 1)
                os.close(saved)
                os.chdir(cwd)
            out.seek(0)
            data = out.read()
        return Run(status, data, err, wall)


def pick_reference(choice):
    if choice in ("auto", "lua5.4"):
        exe = shutil.which("lua5.4")
        if exe:
            return LuaProcessRunner(exe)
        if choice == "lua5.4":
            sys.exit("benchmarks: lua5.4 is not on PATH")
    if choice in ("auto", "lupa"):
        try:
            return LupaRunner()
        except ImportError:
            sys.exit("benchmarks: no reference interpreter (neither lua5.4 on PATH "
                     "nor the lupa package)")
    # an explicit path to an interpreter
    exe = shutil.which(choice) or choice
    if not os.path.exists(exe):
        sys.exit("benchmarks: reference interpreter %r not found" % choice)
    return LuaProcessRunner(exe)


# --------------------------------------------------------------------------
# measuring

class Result:
    def __init__(self, name):
        self.name = name
        self.ref_runs = []
        self.wippy_runs = []
        self.problems = []        # crash / mismatch descriptions
        self.mismatch = False
        self.crash = False

    @staticmethod
    def _best(runs, attr):
        vals = [getattr(r, attr) for r in runs if r.ok]
        return min(vals) if vals else None

    ref_cpu = property(lambda self: self._best(self.ref_runs, "cpu"))
    wippy_cpu = property(lambda self: self._best(self.wippy_runs, "cpu"))
    ref_wall = property(lambda self: self._best(self.ref_runs, "wall"))
    wippy_wall = property(lambda self: self._best(self.wippy_runs, "wall"))

    @staticmethod
    def _ratio(a, b):
        if a is None or b is None or b <= 0:
            return None
        return a / b

    @property
    def ratio(self):
        return self._ratio(self.wippy_cpu, self.ref_cpu)

    @property
    def wall_ratio(self):
        return self._ratio(self.wippy_wall, self.ref_wall)

    @property
    def status(self):
        if self.mismatch:
            return "MISMATCH"
        if self.crash:
            return "CRASH"
        return "ok"


def show_diff(expected, got, label_a, label_b, limit=40):
    diff = list(difflib.unified_diff(expected, got, label_a, label_b, lineterm=""))
    if len(diff) > limit:
        diff = diff[:limit] + ["... (%d more diff lines)" % (len(diff) - limit)]
    return "\n".join(diff)


def measure(name, ref, wippy, repeat, args, timeout, log):
    res = Result(name)
    filename = name + ".lua"

    # the two interpreters take turns, so that a slow phase of the machine
    # (this one has phases 20-40 % slower) falls on both sides alike
    ref_ok = wippy_ok = True
    for i in range(repeat):
        if ref_ok:
            r = ref.run(filename, args, timeout)
            res.ref_runs.append(r)
            if not r.ok:
                ref_ok = False
                res.crash = True
                res.problems.append("%s failed on %s: %s" % (ref.name, filename, r.problem()))
        if wippy_ok:
            r = wippy.run(filename, args, timeout)
            res.wippy_runs.append(r)
            if not r.ok:
                wippy_ok = False
                res.crash = True
                res.problems.append("wippy failed on %s: %s" % (filename, r.problem()))
                lines = r.stderr.decode("latin-1").rstrip().splitlines()
                if len(lines) > 1:
                    res.problems.append("  stderr:\n    " + "\n    ".join(lines[-15:]))
        if not (ref_ok or wippy_ok):
            break

    # every run must print the same output (the time line excluded)
    expected = next((r.body for r in res.ref_runs if r.ok), None)
    if expected is not None:
        for r in res.ref_runs:
            if r.ok and r.body != expected:
                res.mismatch = True
                res.problems.append("%s is not deterministic on %s:\n%s" % (
                    ref.name, filename, show_diff(expected, r.body, "first run", "later run")))
                break
        for r in res.wippy_runs:
            if r.status == 0 and r.body != expected:
                res.mismatch = True
                res.problems.append("OUTPUT MISMATCH on %s:\n%s" % (
                    filename, show_diff(expected, r.body, ref.name, "wippy")))
                break
    return res


# --------------------------------------------------------------------------
# reporting

def fmt_s(v):
    return "-" if v is None else "%.3f" % v


def fmt_x(v):
    return "-" if v is None else "%.2fx" % v


COLUMNS = ["program", "ref s", "wippy s", "ratio", "ref wall s", "wippy wall s",
           "wall ratio", "status"]


def rows_of(results):
    return [[r.name, fmt_s(r.ref_cpu), fmt_s(r.wippy_cpu), fmt_x(r.ratio),
             fmt_s(r.ref_wall), fmt_s(r.wippy_wall), fmt_x(r.wall_ratio), r.status]
            for r in results]


def text_table(results):
    rows = [COLUMNS] + rows_of(results)
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    out = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:-1], widths[1:-1])]
        cells.append(row[-1])
        out.append("  ".join(cells))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def markdown_table(results):
    out = ["| " + " | ".join(COLUMNS) + " |",
           "|" + "|".join(["---"] + ["---:"] * (len(COLUMNS) - 2) + ["---"]) + "|"]
    for row in rows_of(results):
        out.append("| " + " | ".join(row) + " |")
    return "\n".join(out)


def geomean(values):
    values = [v for v in values if v is not None and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def summary(results):
    """(geomean of ratios, worst ratio, name of worst, wall geomean)."""
    ratios = [(r.ratio, r.name) for r in results if r.ratio is not None]
    gm = geomean([v for v, _ in ratios])
    worst = max(ratios) if ratios else (None, None)
    wall_gm = geomean([r.wall_ratio for r in results])
    return gm, worst[0], worst[1], wall_gm


def summary_lines(results):
    gm, worst, worst_name, wall_gm = summary(results)
    lines = []
    if gm is None:
        lines.append("geometric mean of ratios: - (no program completed under both)")
    else:
        lines.append("geometric mean of ratios: %.2fx (target <= %gx: %s)" % (
            gm, TARGET_GEOMEAN, "met" if gm <= TARGET_GEOMEAN else "MISSED"))
        lines.append("worst ratio: %.2fx (%s) (target <= %gx: %s)" % (
            worst, worst_name, TARGET_WORST, "met" if worst <= TARGET_WORST else "MISSED"))
    if wall_gm is not None:
        lines.append("geometric mean of wall-time ratios: %.2fx" % wall_gm)
    bad = [r.name for r in results if r.status != "ok"]
    if bad:
        lines.append("FAILED: " + ", ".join("%s (%s)" % (r.name, r.status)
                                            for r in results if r.status != "ok"))
    return lines


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def uname():
    try:
        return subprocess.run(["uname", "-a"], stdout=subprocess.PIPE,
                              timeout=10).stdout.decode().strip()
    except (OSError, subprocess.SubprocessError):
        return " ".join(platform.uname())


def app_figures(module, python=None):
    """Run one of the application benchmarks (``python -m MODULE``) and
    return its figure lines (those that state a target or a comparison)."""
    import subprocess
    try:
        p = subprocess.run([python or sys.executable, "-m", module], capture_output=True,
                           text=True, timeout=1800, cwd=os.path.dirname(HERE))
    except subprocess.TimeoutExpired:
        return ["%s: timed out" % module]
    if p.returncode != 0:
        return ["%s failed: %s" % (module, (p.stderr.strip().splitlines() or ["?"])[-1])]
    lines = [" ".join(ln.split()) for ln in p.stdout.splitlines()]
    return [ln for ln in lines if "target" in ln or "Python call" in ln]


def record(results, ref, wippy, opts, extra_lines=()):
    now = datetime.datetime.now(datetime.timezone.utc)
    section = [
        RUN_MARKER,
        "## %s" % now.strftime("%Y-%m-%d %H:%M UTC"),
        "",
        "- machine: `%s`" % uname(),
        "- CPU: %s (%d logical cores)" % (cpu_model(), os.cpu_count() or 0),
        "- Python: %s (%s)" % (platform.python_version(), sys.executable),
        "- reference: %s" % ref.describe(),
        "- wippy: %s" % wippy.describe(),
        "- best of %d%s" % (opts.repeat, ", quick sizes" if opts.quick else ""),
        "",
        "Times in seconds.  `ratio` = wippy / reference, from each program's own "
        "`os.clock()` figure; the wall columns time the whole process.",
        "",
        markdown_table(results),
        "",
    ]
    section += ["- " + line for line in summary_lines(results)]
    section += ["- " + line for line in extra_lines]
    section.append("")
    new = "\n".join(section) + "\n"

    header = ("# Benchmark results\n\n"
              "Written by `python -m benchmarks --record`.  Newest run first; the "
              "runs below it are kept as history.\n\n")
    old_runs = ""
    if os.path.exists(RESULTS):
        with open(RESULTS, encoding="utf-8") as f:
            text = f.read()
        i = text.find(RUN_MARKER)
        if i >= 0:
            header = text[:i]
            old_runs = text[i:]
    with open(RESULTS, "w", encoding="utf-8") as f:
        f.write(header + new + ("\n" + old_runs if old_runs else ""))


# --------------------------------------------------------------------------

def available_programs():
    return sorted(f[:-4] for f in os.listdir(PROGRAMS) if f.endswith(".lua"))


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run the Lua benchmarks under wippy and a reference Lua, "
                    "check the outputs agree and report the slowdown.")
    p.add_argument("--repeat", type=int, default=None, metavar="N",
                   help="runs per program and interpreter, best of N is kept "
                        "(default 3, or 1 with --quick)")
    p.add_argument("--only", action="append", default=[], metavar="NAME",
                   help="run only this program (name without .lua; may be given "
                        "several times or as a comma-separated list)")
    p.add_argument("--quick", action="store_true",
                   help="tiny problem sizes (programs get the argument 'quick') "
                        "and one run each: a smoke test, not a measurement")
    p.add_argument("--record", action="store_true",
                   help="prepend this run to benchmarks/RESULTS.md")
    p.add_argument("--reference", default="auto", metavar="WHICH",
                   help="'auto' (lua5.4 on PATH, else lupa.lua54), 'lua5.4', "
                        "'lupa', or a path to a Lua interpreter")
    p.add_argument("--python", default=sys.executable,
                   help="Python interpreter used for 'python -m wippy' "
                        "(default: this one)")
    p.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                   help="per-run time limit (default 600)")
    p.add_argument("--list", action="store_true", help="list the programs and exit")
    opts = p.parse_args(argv)
    if opts.repeat is None:
        opts.repeat = 1 if opts.quick else 3
    if opts.repeat < 1:
        p.error("--repeat must be at least 1")
    return opts


def main(argv=None):
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    names = available_programs()
    if opts.list:
        print("\n".join(names))
        return 0
    if opts.only:
        wanted = [w[:-4] if w.endswith(".lua") else w
                  for item in opts.only for w in item.split(",") if w]
        unknown = [w for w in wanted if w not in names]
        if unknown:
            print("benchmarks: unknown program(s): %s (have: %s)"
                  % (", ".join(unknown), ", ".join(names)), file=sys.stderr)
            return 2
        names = [n for n in names if n in wanted]

    ref = pick_reference(opts.reference)
    wippy = WippyRunner(opts.python)
    args = ["quick"] if opts.quick else []
    print("reference: %s" % ref.describe())
    print("wippy:     %s" % wippy.describe())
    print("best of %d%s; ratio = wippy / reference in-program os.clock() time\n"
          % (opts.repeat, ", quick sizes" if opts.quick else ""))

    results = []
    for name in names:
        print("running %-12s ..." % name, end=" ", flush=True)
        res = measure(name, ref, wippy, opts.repeat, args, opts.timeout, print)
        results.append(res)
        print("%s  ref %s s  wippy %s s  %s" % (res.status, fmt_s(res.ref_cpu),
                                                fmt_s(res.wippy_cpu), fmt_x(res.ratio)),
              flush=True)
        for msg in res.problems:
            print("!!! " + msg.replace("\n", "\n!!! "), flush=True)

    print()
    print(text_table(results))
    print()
    for line in summary_lines(results):
        print(line)
    compile_lines = []
    if not opts.only:
        from . import compile_speed
        compile_lines = compile_speed.summary_lines(compile_speed.measure(opts.repeat))
        for line in compile_lines:
            print(line)
        # the application figures (projects, actors) run as their own commands
        for mod in ("benchmarks.project_speed", "benchmarks.actors"):
            extra = app_figures(mod, opts.python)
            for line in extra:
                print(line)
            compile_lines = list(compile_lines) + extra

    failed = [r for r in results if r.status != "ok"]
    if failed:
        print("\n!!! %d program(s) failed: %s" % (
            len(failed), ", ".join("%s: %s" % (r.name, r.status) for r in failed)),
            file=sys.stderr)
    if opts.record:
        record(results, ref, wippy, opts, compile_lines)
        print("\nrecorded in %s" % os.path.relpath(RESULTS))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
