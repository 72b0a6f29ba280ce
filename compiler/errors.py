"""Errors raised by the compiler front end.

``LuaSyntaxError`` is a user error: the Lua source is malformed.  Its text is
exactly what Lua 5.3/5.4 would report, ``chunkname:line: message``, where the
message usually ends with ``near 'token'`` (or ``near <eof>``).

``InternalCompilerError`` is a bug in the compiler itself, never the user's
fault; keep the two apart so that tracebacks of the latter are not shown to
Lua programmers as if their code were wrong.
"""

__all__ = ["LuaSyntaxError", "InternalCompilerError"]


class LuaSyntaxError(Exception):
    """A lexical or syntax error in Lua source.

    Attributes:
      chunkname: the chunk name, used as given (``test.lua``).
      line:      1-based line Lua reports the error on.
      col:       0-based byte column of the offending token (-1 if unknown).
      message:   the full message after ``chunkname:line: ``, including the
                 ``near ...`` part when Lua prints one.
      near:      the ``near`` text (``'x'`` or ``<eof>``), or None.  A bare
                 token text given here (``...``) is quoted (``'...'``).

    ``str(err)`` is ``f"{chunkname}:{line}: {message}"``.
    """

    def __init__(self, chunkname, line, message, near=None, col=-1):
        self.chunkname = chunkname
        self.line = line
        self.col = col
        if near is not None and near != "<eof>" and not near.startswith("'"):
            near = "'" + near + "'"
        self.near = near
        self._bare = message
        self.message = f"{message} near {near}" if near is not None else message
        super().__init__(str(self))

    def __reduce__(self):
        return (type(self), (self.chunkname, self.line, self._bare, self.near, self.col))

    def __str__(self):
        return f"{self.chunkname}:{self.line}: {self.message}"


class InternalCompilerError(Exception):
    """A bug in the compiler (not in the Lua program being compiled)."""
