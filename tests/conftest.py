import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture
def run_lua(tmp_path):
    """Run Lua source as a standalone script; returns (status, stdout, stderr)."""
    import io
    from wippy.runtime.interp import run_file

    def run(source, name="prog.lua", args=(), stdin=b""):
        path = tmp_path / name
        path.write_bytes(source.encode("latin-1") if isinstance(source, str) else source)
        out, err = io.BytesIO(), io.BytesIO()
        cwd = os.getcwd()
        os.chdir(tmp_path)
        try:
            status = run_file(name, list(args), stdout=out, stderr=err, stdin=io.BytesIO(stdin))
        finally:
            os.chdir(cwd)
        return status, out.getvalue().decode("latin-1"), err.getvalue().decode("latin-1")
    return run
