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
