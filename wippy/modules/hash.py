"""The ``hash`` module: md5, sha1, sha256, sha512 (``data, raw?``), the
matching ``hmac_*`` (``data, secret, raw?``), and fnv32 / fnv64.

Digests are lowercase hex unless ``raw`` is true (then the raw bytes).
A non-string data or secret gives ``nil, err`` of kind INVALID (numbers are
not coerced, as the runtime's tests require).

FNV is the FNV-1a variant.  fnv32 returns an integer in 0..2^32-1; fnv64
returns the 64-bit value as a Lua integer (values >= 2^63 wrap to negative,
two's complement: ``string.format("%x", n)`` shows the unsigned hash).
"""

import hashlib
import hmac

from wippy.runtime.values import LuaTable, FALSE, wrap
from ._util import invalid, lua_type

__all__ = ["make_module", "fnv32a", "fnv64a"]


def _digest(name, algo):
    def fn(data=None, raw=None, *_):
        if type(data) is not str:
            return invalid("%s: data must be a string, got %s" % (name, lua_type(data)))
        h = algo(data.encode("latin-1"))
        if raw is not None and raw is not FALSE:
            return h.digest().decode("latin-1")
        return h.hexdigest()
    fn.__name__ = name
    return fn


def _hmac(name, algo):
    def fn(data=None, secret=None, raw=None, *_):
        if type(data) is not str:
            return invalid("%s: data must be a string, got %s" % (name, lua_type(data)))
        if type(secret) is not str:
            return invalid("%s: secret must be a string, got %s" % (name, lua_type(secret)))
        h = hmac.new(secret.encode("latin-1"), data.encode("latin-1"), algo)
        if raw is not None and raw is not FALSE:
            return h.digest().decode("latin-1")
        return h.hexdigest()
    fn.__name__ = name
    return fn


def fnv32a(b):
    h = 0x811C9DC5
    for c in b:
        h = ((h ^ c) * 0x01000193) & 0xFFFFFFFF
    return h


def fnv64a(b):
    h = 0xCBF29CE484222325
    for c in b:
        h = ((h ^ c) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def _fnv32(data=None, *_):
    if type(data) is not str:
        return invalid("fnv32: data must be a string, got %s" % lua_type(data))
    return fnv32a(data.encode("latin-1"))


def _fnv64(data=None, *_):
    if type(data) is not str:
        return invalid("fnv64: data must be a string, got %s" % lua_type(data))
    return wrap(fnv64a(data.encode("latin-1")))


def make_module():
    m = LuaTable()
    for name in ("md5", "sha1", "sha256", "sha512"):
        algo = getattr(hashlib, name)
        m[name] = _digest(name, algo)
        m["hmac_" + name] = _hmac("hmac_" + name, algo)
    m["fnv32"] = _fnv32
    m["fnv64"] = _fnv64
    return m
