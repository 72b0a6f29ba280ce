"""Helpers for tests that lay out small projects in a temporary folder."""

import os
import textwrap

LOCK = "directories:\n  modules: .wippy\n  src: ./src\n"


def write(root, rel, text):
    """Write ``text`` (dedented) to ``root/rel``, creating folders."""
    path = os.path.join(str(root), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))
    return path


def project(root, index, files=None):
    """A project: wippy.lock, src/app/_index.yaml and files beside it."""
    write(root, "wippy.lock", LOCK)
    write(root, "src/app/_index.yaml", index)
    for rel, text in (files or {}).items():
        write(root, "src/app/" + rel, text)
    return str(root)


def opened(tmp_path_factory, name, index):
    """A module-scoped project opened as an App (a generator for fixtures:
    yields the App, then stops and closes it)."""
    from wippy.app import App
    a = App.open(project(tmp_path_factory.mktemp(name), index))
    try:
        yield a
    finally:
        a.stop(5)
        a.close()


def run_main(app, eid, *args, timeout=60):
    """Run process entry ``eid`` to its end in the hub: its result as Python."""
    import gevent
    from wippy.app import run_in_hub
    from wippy.convert import to_python

    def body():
        with gevent.Timeout(timeout, AssertionError("%s did not finish" % eid)):
            return app.run_process_main(eid, list(args))
    (r,) = run_in_hub(body)
    return to_python(r)
