"""The ``base64`` module: standard RFC 4648 alphabet with padding.

``encode(s)`` / ``decode(s)`` -> string, err.  A non-string argument, bad
characters or bad padding give ``nil, err`` of kind INVALID; ``""`` encodes
and decodes to ``""``.  Decoding ignores CR and LF (as Go's decoder does).
"""

import binascii

from wippy.runtime.values import LuaTable
from ._util import invalid, lua_type

__all__ = ["make_module"]


def _encode(s=None, *_):
    if type(s) is not str:
        return invalid("base64 encode: string expected, got %s" % lua_type(s))
    if s == "":
        return ""
    try:
        raw = s.encode("latin-1")
    except UnicodeEncodeError:      # pragma: no cover - not a Lua string
        return invalid("base64 encode: invalid string")
    return binascii.b2a_base64(raw, newline=False).decode("ascii")


def _decode(s=None, *_):
    if type(s) is not str:
        return invalid("base64 decode: string expected, got %s" % lua_type(s))
    if s == "":
        return ""
    if "\n" in s or "\r" in s:
        s = s.replace("\r", "").replace("\n", "")
    if not s.isascii():
        return invalid("base64 decode: illegal base64 data: non-ASCII character")
    if len(s) % 4:
        return invalid("base64 decode: illegal base64 data: bad length or padding")
    try:
        return binascii.a2b_base64(s.encode("ascii"), strict_mode=True).decode("latin-1")
    except binascii.Error as e:
        return invalid("base64 decode: illegal base64 data: %s" % e)


def make_module():
    m = LuaTable()
    m["encode"] = _encode
    m["decode"] = _decode
    return m
