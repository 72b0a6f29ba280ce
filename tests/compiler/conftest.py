"""Shared helpers for the compiler front-end tests."""

import shutil
import subprocess

import pytest

LUAC = shutil.which("luac5.4")


@pytest.fixture
def luac_error(tmp_path):
    """``luac_error(src)`` -> the message ``luac5.4 -p`` prints for a chunk
    named ``t.lua`` ('' if it compiles); skips the test without luac5.4."""
    if LUAC is None:
        pytest.skip("luac5.4 not installed")

    def run(src):
        (tmp_path / "t.lua").write_bytes(src.encode("latin-1"))
        res = subprocess.run(["luac5.4", "-p", "t.lua"], capture_output=True, cwd=tmp_path)
        return res.stderr.decode("latin-1").strip().replace("luac5.4: ", "", 1)

    return run
