"""The example projects under examples/, each run through the CLI as
``wippy run -C examples/NAME -x app:cli`` (a process on the terminal host):
their output and exit status."""

import os
import re
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


def wippy_run(name, *args, timeout=300):
    cmd = [sys.executable, "-c", "from wippy.cli import main; import sys; sys.exit(main())",
           "run", "-C", os.path.join(EXAMPLES, name), "-x", "app:cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def check(p, pattern):
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert "Traceback" not in p.stderr, p.stderr
    m = re.fullmatch(pattern + r"\n", p.stdout)
    assert m, p.stdout
    return m


def test_ping_pong():
    check(wippy_run("ping-pong"), r"ping-pong: 5 rounds, last reply 5")
    check(wippy_run("ping-pong", "12"), r"ping-pong: 12 rounds, last reply 12")


def test_worker_pool():
    # the primes below 200, 400, ..., 4000: 6200 in all
    check(wippy_run("worker-pool"), r"worker-pool: 20 jobs on 4 workers \(\d busy\), "
                                    r"6200 primes counted")
    check(wippy_run("worker-pool", "3", "8"),
          r"worker-pool: 3 jobs on 8 workers \(\d busy\), 233 primes counted")


def test_supervisor_restarts_with_growing_delays():
    # -x runs silent: the crash reports are log lines, shown with -v
    assert wippy_run("supervisor").stderr == ""
    p = wippy_run("supervisor", "-v")
    m = check(p, r"supervisor: 4 runs, 3 restarts, gaps (\d+)ms (\d+)ms (\d+)ms")
    gaps = [int(g) for g in m.groups()]
    # the policy says 50ms, 100ms, 200ms: never sooner, and growing
    assert gaps[0] >= 45 and gaps[1] >= 90 and gaps[2] >= 180, gaps
    assert gaps[2] > gaps[0], gaps
    assert p.stderr.count("simulated crash") >= 3
    assert "completed" in p.stderr


def test_kv_store():
    check(wippy_run("kv-store"), r"kv: lang=lua answer=42 list=3 items gone=nil size=3")


def test_event_bus():
    check(wippy_run("event-bus"), r"event-bus: audit=5 mailer=2 billing=3")


def test_mass_spawn():
    check(wippy_run("mass-spawn"), r"mass-spawn: 10000 processes, 10000 reports, "
                                   r"10000 EXIT events, sums ok \(\d+\.\d\ds\)")


@pytest.mark.parametrize("name", ["ping-pong", "worker-pool", "supervisor", "kv-store",
                                  "event-bus", "mass-spawn"])
def test_example_is_a_complete_project(name):
    root = os.path.join(EXAMPLES, name)
    assert os.path.isfile(os.path.join(root, "wippy.lock"))
    assert os.path.isfile(os.path.join(root, "src", "app", "_index.yaml"))
    assert any(f.endswith(".lua") for f in os.listdir(os.path.join(root, "src", "app")))
