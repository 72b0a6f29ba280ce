"""The ``uuid`` module: v1, v3, v4, v5, v7, validate, version, variant, parse,
format.

Accepted input forms (as Go's uuid.Parse): the 36-character form, the same
with a ``urn:uuid:`` prefix or in braces, and 32 hex digits; hex digits of
either case.  Output is lowercase.

Decisions: ``variant`` names follow Go's uuid package ("RFC4122",
"Microsoft", "Future", "Reserved" for the NCS-compatible variant; "Invalid"
is never produced for a parsed UUID).  ``parse`` gives ``timestamp`` in Unix
seconds (integer) for v1 and v7, and ``node`` for v1 as 12 lowercase hex
digits.  ``validate`` of a non-string returns ``false`` and an INVALID error;
of a malformed string just ``false``.
"""

import os
import time as _time
import uuid as _uuid
import threading

from wippy.runtime.values import LuaTable, TRUE, FALSE
from ._util import invalid, lua_type

__all__ = ["make_module", "parse_uuid", "uuid7"]

_HEX = frozenset("0123456789abcdefABCDEF")


def parse_uuid(s):
    """A Lua string -> uuid.UUID, or None when it is not a UUID."""
    n = len(s)
    if n == 36 + 9:
        if s[:9].lower() != "urn:uuid:":
            return None
        s = s[9:]
    elif n == 38:
        if s[0] != "{" or s[-1] != "}":
            return None
        s = s[1:-1]
    elif n == 32:
        if not _HEX.issuperset(s):
            return None
        return _uuid.UUID(hex=s)
    elif n != 36:
        return None
    if s[8] != "-" or s[13] != "-" or s[18] != "-" or s[23] != "-":
        return None
    h = s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
    if len(h) != 32 or not _HEX.issuperset(h):
        return None
    return _uuid.UUID(hex=h)


_v7_lock = threading.Lock()
_v7_last = [0, 0]       # last ms, last 12-bit counter


def uuid7():
    """A version 7 UUID (RFC 9562): 48-bit Unix ms, then a 12-bit counter
    seeded randomly each millisecond (monotonic within this process), then
    62 random bits."""
    ms = _time.time_ns() // 1_000_000
    rnd = int.from_bytes(os.urandom(10), "big")
    with _v7_lock:
        if ms <= _v7_last[0]:
            ms = _v7_last[0]
            ctr = _v7_last[1] + 1
            if ctr > 0xFFF:
                ms += 1
                ctr = rnd >> 68 & 0x7FF
        else:
            ctr = rnd >> 68 & 0x7FF
        _v7_last[0] = ms
        _v7_last[1] = ctr
    value = (ms & 0xFFFFFFFFFFFF) << 80
    value |= 0x7 << 76
    value |= ctr << 64
    value |= 0b10 << 62
    value |= rnd & ((1 << 62) - 1)
    return _uuid.UUID(int=value)


def _variant_name(u):
    b = u.bytes[8]
    if b & 0xC0 == 0x80:
        return "RFC4122"
    if b & 0xE0 == 0xC0:
        return "Microsoft"
    if b & 0xE0 == 0xE0:
        return "Future"
    return "Reserved"


def _arg_uuid(fname, s):
    """(UUID, None) or (None, (nil, err))."""
    if type(s) is not str:
        return None, invalid("uuid.%s: string expected, got %s" % (fname, lua_type(s)))
    u = parse_uuid(s)
    if u is None:
        return None, invalid("uuid.%s: invalid UUID format: %s" % (fname, s))
    return u, None


def _v1(*_):
    return str(_uuid.uuid1())


def _v4(*_):
    return str(_uuid.uuid4())


def _v7(*_):
    return str(uuid7())


def _named(fname, maker):
    def fn(namespace=None, name=None, *_):
        ns, err = _arg_uuid(fname, namespace)
        if err is not None:
            return err
        if type(name) is not str:
            return invalid("uuid.%s: name must be a string, got %s" % (fname, lua_type(name)))
        # the name's bytes are hashed as they are
        return str(maker(ns, name.encode("latin-1")))
    return fn


def _uuid3(ns, b):
    import hashlib
    h = hashlib.md5(ns.bytes + b).digest()
    return _uuid.UUID(bytes=h[:16], version=3)


def _uuid5(ns, b):
    import hashlib
    h = hashlib.sha1(ns.bytes + b).digest()
    return _uuid.UUID(bytes=h[:16], version=5)


def _validate(s=None, *_):
    if type(s) is not str:
        return FALSE, invalid("uuid.validate: string expected, got %s" % lua_type(s))[1]
    return TRUE if parse_uuid(s) is not None else FALSE


def _version(s=None, *_):
    u, err = _arg_uuid("version", s)
    if err is not None:
        return err
    return u.bytes[6] >> 4


def _variant(s=None, *_):
    u, err = _arg_uuid("variant", s)
    if err is not None:
        return err
    return _variant_name(u)


_GREGORIAN_OFFSET = 0x01B21DD213814000     # 100-ns intervals 1582-10-15 .. 1970-01-01


def _parse(s=None, *_):
    u, err = _arg_uuid("parse", s)
    if err is not None:
        return err
    ver = u.bytes[6] >> 4
    t = LuaTable()
    t["version"] = ver
    t["variant"] = _variant_name(u)
    if ver == 1:
        t["timestamp"] = (u.time - _GREGORIAN_OFFSET) // 10_000_000
        t["node"] = "%012x" % u.node
    elif ver == 7:
        t["timestamp"] = (u.int >> 80) // 1000
    return t


def _format(s=None, fmt=None, *_):
    u, err = _arg_uuid("format", s)
    if err is not None:
        return err
    if fmt is None or fmt == "standard":
        return str(u)
    if fmt == "simple":
        return u.hex
    if fmt == "urn":
        return u.urn
    if type(fmt) is not str:
        return invalid("uuid.format: format must be a string, got %s" % lua_type(fmt))
    return invalid("uuid.format: unsupported format %s (standard, simple or urn)" % fmt)


def make_module():
    m = LuaTable()
    m["v1"] = _v1
    m["v3"] = _named("v3", _uuid3)
    m["v4"] = _v4
    m["v5"] = _named("v5", _uuid5)
    m["v7"] = _v7
    m["validate"] = _validate
    m["version"] = _version
    m["variant"] = _variant
    m["parse"] = _parse
    m["format"] = _format
    return m
