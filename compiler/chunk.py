"""Compiling a Lua chunk to a Python code object, with an on-disk cache.

``compile_chunk(source, chunkname)`` returns a ``CompiledChunk``: the code
object of a Python module defining ``main_chunk(*VA)``, the error-position
table the runtime uses to name variables in messages, and the Lua source
lines (registered in ``linecache`` so Python tracebacks, profilers and
coverage show Lua lines).

The cache key is the SHA-256 of the source bytes, the chunk name, the
compiler version and the import table (``imports``, a string describing the
modules the chunk may see; empty for standalone scripts).  A cache hit
unmarshals the code object and never parses.
"""

import ast
import gc
import hashlib
import linecache
import marshal
import os
import sys
import warnings

from .errors import LuaSyntaxError, InternalCompilerError

__all__ = ["CompiledChunk", "compile_chunk", "python_source", "COMPILER_VERSION",
           "cache_dir"]

def _compiler_fingerprint():
    """A hash of the compiler's own sources: any change invalidates the cache."""
    h = hashlib.sha256(b"wippy-lua-1")
    here = os.path.dirname(os.path.abspath(__file__))
    for name in sorted(os.listdir(here)):
        if name.endswith(".py"):
            with open(os.path.join(here, name), "rb") as f:
                h.update(name.encode() + b"\0" + f.read())
    return h.hexdigest()[:16]


COMPILER_VERSION = _compiler_fingerprint()


class CompiledChunk:
    __slots__ = ("code", "errinfo", "chunkname", "source")

    def __init__(self, code, errinfo, chunkname, source):
        self.code = code
        self.errinfo = errinfo
        self.chunkname = chunkname
        self.source = source


def cache_dir():
    d = os.environ.get("WIPPY_CACHE_DIR")
    if d:
        return d
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "wippy", "lua")


def _key(source, chunkname, imports):
    h = hashlib.sha256()
    h.update(COMPILER_VERSION.encode())
    h.update(b"\0")
    h.update(sys.version.encode())
    h.update(b"\0")
    h.update(chunkname.encode("utf-8", "surrogateescape"))
    h.update(b"\0")
    h.update(imports.encode())
    h.update(b"\0")
    h.update(source.encode("latin-1"))
    return h.hexdigest()


def _parse(source, chunkname):
    from .parser import parse
    return parse(source, chunkname)


def _generate(source, chunkname):
    gc_was_on = gc.isenabled()
    gc.disable()        # the trees are acyclic; collections only cost time here
    try:
        return _generate_nogc(source, chunkname)
    finally:
        if gc_was_on:
            gc.enable()


def _generate_nogc(source, chunkname):
    from .codegen import generate
    tree = _parse(source, chunkname)
    try:
        mod, errinfo, names = generate(tree, chunkname, source)
        return mod, errinfo, names
    except (LuaSyntaxError, InternalCompilerError):
        raise
    except RecursionError:
        raise LuaSyntaxError(chunkname, 1, "chunk has too many syntax levels")
    except Exception as exc:    # a bug in the code generator
        raise InternalCompilerError("internal compiler error in %s: %s: %s" % (
            chunkname, type(exc).__name__, exc)) from exc


def _rename(code, names):
    consts = tuple(_rename(c, names) if hasattr(c, "co_code") else c for c in code.co_consts)
    display = names.get(code.co_name)
    if display is not None:
        return code.replace(co_consts=consts, co_name=display, co_qualname=display)
    return code.replace(co_consts=consts)


def compile_chunk(source, chunkname, imports="", use_cache=True, cache_root=None):
    """Compile Lua source (a latin-1 ``str`` or ``bytes``) to a CompiledChunk.
    ``cache_root`` overrides the cache folder (a project's own cache)."""
    if isinstance(source, (bytes, bytearray)):
        source = bytes(source).decode("latin-1")
    register_lines(chunkname, source)
    path = None
    if use_cache:
        key = _key(source, chunkname, imports)
        path = os.path.join(cache_root or cache_dir(), key[:2], key[2:] + ".pyc")
        try:
            with open(path, "rb") as f:
                code, errinfo = marshal.loads(f.read())
            return CompiledChunk(code, errinfo, chunkname, source)
        except (OSError, ValueError, EOFError, TypeError):
            pass
    gc_was_on = gc.isenabled()
    gc.disable()        # the trees are acyclic: collections only cost time
    try:
        mod, errinfo, names = _generate_nogc(source, chunkname)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = compile(mod, chunkname, "exec", dont_inherit=True, optimize=0)
    except RecursionError:
        raise LuaSyntaxError(chunkname, 1, "chunk has too many syntax levels")
    except (SyntaxError, ValueError, TypeError) as exc:
        raise InternalCompilerError("internal compiler error in %s: generated Python "
                                    "rejected: %s" % (chunkname, exc)) from exc
    finally:
        mod = None
        if gc_was_on:
            gc.enable()
    code = _rename(code, names)
    if path is not None:
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = path + ".%d.tmp" % os.getpid()
            with open(tmp, "wb") as f:
                f.write(marshal.dumps((code, errinfo)))
            os.replace(tmp, path)
        except OSError:
            pass
    return CompiledChunk(code, errinfo, chunkname, source)


def cached(source, chunkname, imports="", cache_root=None):
    """Whether compiled code for these inputs is in the cache (a chunk that
    compiled once compiles again: loading can wait until it is needed)."""
    if isinstance(source, (bytes, bytearray)):
        source = bytes(source).decode("latin-1")
    key = _key(source, chunkname, imports)
    return os.path.exists(os.path.join(cache_root or cache_dir(), key[:2], key[2:] + ".pyc"))


def register_lines(chunkname, source):
    lines = source.splitlines(True)
    linecache.cache[chunkname] = (len(source), None, lines, chunkname)


def python_source(source, chunkname):
    """The generated Python code as text (``wippyc py``)."""
    if isinstance(source, (bytes, bytearray)):
        source = bytes(source).decode("latin-1")
    mod, _, _ = _generate(source, chunkname)
    return ast.unparse(mod)
