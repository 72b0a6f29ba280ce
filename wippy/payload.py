"""Payloads: values crossing an execution boundary (function calls,
futures, messages), copied so nothing is shared, and the global
``payload`` module.

A Payload holds a value in a format: ``lua/any`` (a copied Lua value),
``json/plain`` / ``yaml/plain`` (text), ``text/plain``,
``application/octet-stream`` or ``golang/error`` (an error value).
``p:data()`` gives the Lua value, transcoding text formats as needed.
"""

import json

from .convert import copy_value, to_lua, to_python
from .lerrors import WippyError, new_error
from .runtime.values import LuaTable, Userdata
from .runtime.errors import rt_error

__all__ = ["Payload", "make_payload_module", "FORMATS"]

FORMATS = {"JSON": "json/plain", "YAML": "yaml/plain", "STRING": "text/plain",
           "BYTES": "application/octet-stream", "MSGPACK": "application/msgpack",
           "LUA": "lua/any", "GOLANG": "golang/any", "ERROR": "golang/error"}


_SCALARS = frozenset((str, int, float, type(None)))


def _copy(v):
    if type(v) in _SCALARS:         # immutable: nothing to copy
        return v
    return copy_value(v)


def _is_error(v):
    return isinstance(v, WippyError)


def _err(kind, msg):
    return new_error(kind, msg)


class Payload(Userdata):
    __slots__ = ("value", "format")

    def __init__(self, value, fmt="lua/any", copy=True):
        if copy and fmt == "lua/any" and type(value) not in _SCALARS:
            value = copy_value(value)
        self.value = value
        self.format = fmt

    @classmethod
    def of(cls, v):
        """A payload for a Lua value (an error value gets the error format)."""
        if _is_error(v):
            return cls(v, "golang/error", copy=False)
        return cls(v)

    def data(self):
        """The Lua value (a fresh copy for Lua values)."""
        f = self.format
        if f == "lua/any":
            return _copy(self.value)
        if f in ("golang/error", "golang/any"):
            return self.value
        if f == "json/plain":
            try:
                return to_lua(json.loads(_text(self.value)))
            except ValueError as e:
                raise _PayloadError("Internal", "cannot decode JSON payload: %s" % e)
        if f == "yaml/plain":
            import yaml
            try:
                return to_lua(yaml.safe_load(_text(self.value)))
            except yaml.YAMLError as e:
                raise _PayloadError("Internal", "cannot decode YAML payload: %s" % e)
        return self.value

    def transcode(self, fmt):
        if fmt == self.format:
            return self
        v = self.data()
        if fmt == "lua/any":
            return Payload(v, fmt, copy=False)
        if fmt == "json/plain":
            return Payload(json.dumps(to_python(v), ensure_ascii=False, separators=(",", ":"))
                           .encode("utf-8").decode("latin-1"), fmt, copy=False)
        if fmt == "yaml/plain":
            import yaml
            return Payload(yaml.safe_dump(to_python(v), allow_unicode=True)
                           .encode("utf-8").decode("latin-1"), fmt, copy=False)
        if fmt in ("text/plain", "application/octet-stream"):
            if type(v) is not str:
                raise _PayloadError("Internal", "cannot transcode %s to %s" % (self.format, fmt))
            return Payload(v, fmt, copy=False)
        raise _PayloadError("Invalid", "unknown payload format '%s'" % fmt)


class _PayloadError(Exception):
    def __init__(self, kind, msg):
        Exception.__init__(self, msg)
        self.kind = kind


def _text(s):
    return s.encode("latin-1").decode("utf-8") if isinstance(s, str) else s


def _check(p, name):
    if not isinstance(p, Payload):
        rt_error("bad argument #1 to '%s' (payload expected)" % name)


def _p_data(p=None, *_):
    if type(p) is Payload and p.format == "lua/any":    # the usual case, inline
        v = p.value
        return v if type(v) in _SCALARS else copy_value(v)
    _check(p, "data")
    try:
        return p.data()
    except _PayloadError as e:
        return None, _err(e.kind, str(e))


def _p_format(p=None, *_):
    _check(p, "get_format")
    return p.format


def _p_transcode(p=None, fmt=None, *_):
    _check(p, "transcode")
    if type(fmt) is not str:
        return None, _err("Invalid", "format must be a string")
    try:
        return p.transcode(fmt)
    except _PayloadError as e:
        return None, _err(e.kind, str(e))


def _p_unmarshal(p=None, *_):
    _check(p, "unmarshal")
    try:
        return p.data()
    except _PayloadError as e:
        return None, _err(e.kind, str(e))


_methods = LuaTable({"data": _p_data, "get_format": _p_format, "transcode": _p_transcode,
                     "unmarshal": _p_unmarshal})
Payload.lua_meta = LuaTable({"__index": _methods,
                             "__tostring": lambda p, *_: "payload(%s)" % p.format,
                             "__name": "payload"})


def make_payload_module():
    def new(v=None, *_):
        return Payload.of(v)
    return LuaTable({"new": new, "format": LuaTable(FORMATS)})

