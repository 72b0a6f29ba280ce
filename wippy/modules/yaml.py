"""The ``yaml`` module: ``encode(tbl, {field_order=, sort_unordered=})`` and
``decode(str)``, on PyYAML (its C parser and emitter when available).

Encoding: tables convert as for JSON (keys exactly 1..n -> sequence, the
empty table -> ``[]``, other tables -> mappings; keys other than strings are
kept as YAML scalars); ``field_order`` puts those keys first, in that order,
in every mapping; ``sort_unordered`` sorts the remaining keys, which are
otherwise in the table's iteration order.  A non-table argument gives an
INVALID error; functions and userdata inside give INTERNAL.

Decoding follows YAML 1.2's core schema, as Go's yaml.v3 does: only
``true``/``false`` (any case) are booleans (``yes``/``on`` stay strings) and
timestamps stay strings.  A non-string or empty argument is INVALID, bad
syntax INTERNAL.  ``null`` values drop their key.
"""

import re

import yaml as _yaml

from wippy.runtime.values import LuaTable, LuaBool, TRUE, FALSE, TABLE_TYPES, MAXINT, MININT
from wippy.convert import text_to_lua, lua_to_text, is_array
from wippy.lerrors import new_error, INVALID, INTERNAL
from ._util import lua_type

__all__ = ["make_module", "encode", "decode"]

_BaseLoader = getattr(_yaml, "CSafeLoader", _yaml.SafeLoader)
_BaseDumper = getattr(_yaml, "CSafeDumper", _yaml.SafeDumper)


class _Loader(_BaseLoader):
    pass


_Loader.yaml_implicit_resolvers = {}
for _first, _resolvers in _BaseLoader.yaml_implicit_resolvers.items():
    _Loader.yaml_implicit_resolvers[_first] = [
        (tag, rx) for tag, rx in _resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


class _Dumper(_BaseDumper):
    pass


def _ordered_dict_repr(dumper, data):
    return dumper.represent_mapping("tag:yaml.org,2002:map", list(data.items()))


class _Map(dict):
    """A mapping whose key order is the emitted order."""


_Dumper.add_representer(_Map, _ordered_dict_repr)


class _EncodeError(Exception):
    pass


def _to_yaml(v, order, sort_rest, path):
    t = type(v)
    if t is str:
        return v if v.isascii() else lua_to_text(v)
    if t is int or t is float or v is None:
        return v
    if t is LuaBool:
        return v is TRUE
    if t in TABLE_TYPES:
        i = id(v)
        if i in path:
            raise _EncodeError("recursive table reference")
        path.add(i)
        if is_array(v):
            out = [_to_yaml(v[k], order, sort_rest, path) for k in range(1, len(v) + 1)]
        else:
            keys = list(v.keys())
            first = [k for k in order if k in v] if order else []
            rest = [k for k in keys if k not in first] if first else keys
            if sort_rest:
                rest.sort(key=_sort_key)
            out = _Map()
            for k in first + rest:
                yk = _to_yaml(k, order, sort_rest, path) if type(k) is not str else (
                    k if k.isascii() else lua_to_text(k))
                if isinstance(yk, (list, dict)):
                    raise _EncodeError("cannot encode a table key")
                out[yk] = _to_yaml(v[k], order, sort_rest, path)
        path.discard(i)
        return out
    raise _EncodeError("cannot encode a value of type %s" % lua_type(v))


def _sort_key(k):
    t = type(k)
    if t is str:
        return (1, k, 0)
    if t is int or t is float:
        return (0, "", k)
    return (2, str(k), 0)


def encode(v, field_order=(), sort_unordered=False):
    """Lua table -> YAML text as a Lua string (_EncodeError on failure)."""
    data = _to_yaml(v, list(field_order), sort_unordered, set())
    s = _yaml.dump(data, Dumper=_Dumper, allow_unicode=True, default_flow_style=False,
                   sort_keys=False, width=1 << 30)
    return s if s.isascii() else text_to_lua(s)


def _from_yaml(v):
    t = type(v)
    if t is str:
        return v if v.isascii() else text_to_lua(v)
    if t is bool:
        return TRUE if v else FALSE
    if t is int:
        return v if MININT <= v <= MAXINT else float(v)
    if t is float or v is None:
        return v
    if t is list:
        out = LuaTable()
        for i, x in enumerate(v, 1):
            x = _from_yaml(x)
            if x is not None:
                out[i] = x
        return out
    if t is dict:
        out = LuaTable()
        for k, x in v.items():
            x = _from_yaml(x)
            k = _from_yaml(k) if not isinstance(k, (list, dict)) else None
            if x is None or k is None:
                continue
            if type(k) is float:
                if k != k:
                    continue
                if k.is_integer():
                    k = int(k)
            out[k] = x
        return out
    if t is bytes:
        return v.decode("latin-1")
    if isinstance(v, (set, frozenset)):
        out = LuaTable()
        for x in v:
            out[_from_yaml(x)] = TRUE
        return out
    return text_to_lua(str(v))


def decode(s):
    """YAML text (Lua string) -> Lua value (yaml.YAMLError on bad syntax)."""
    text = s if s.isascii() else lua_to_text(s)
    return _from_yaml(_yaml.load(text, Loader=_Loader))


def _err(kind, msg):
    return None, new_error(kind, msg, False)


def _lua_encode(v=None, opts=None, *_):
    if type(v) not in TABLE_TYPES:
        return _err(INVALID, "yaml encode: table expected, got %s" % lua_type(v))
    order = ()
    sort_rest = False
    if type(opts) in TABLE_TYPES:
        fo = opts.get("field_order")
        if type(fo) in TABLE_TYPES:
            order = [fo[i] for i in range(1, fo.length() + 1) if fo.get(i) is not None]
        su = opts.get("sort_unordered")
        sort_rest = su is not None and su is not FALSE
    elif opts is not None:
        return _err(INVALID, "yaml encode: options must be a table, got %s" % lua_type(opts))
    try:
        return encode(v, order, sort_rest)
    except _EncodeError as e:
        return _err(INTERNAL, "yaml encode: %s" % e)
    except RecursionError:
        return _err(INTERNAL, "yaml encode: nesting too deep")
    except _yaml.YAMLError as e:      # pragma: no cover
        return _err(INTERNAL, "yaml encode: %s" % e)


def _lua_decode(s=None, *_):
    if type(s) is not str:
        return _err(INVALID, "yaml decode: string expected, got %s" % lua_type(s))
    if s == "":
        return _err(INVALID, "yaml decode: empty input")
    try:
        return decode(s)
    except _yaml.YAMLError as e:
        return _err(INTERNAL, "yaml decode: %s" % text_to_lua(str(e).replace("\n", " ")))
    except RecursionError:
        return _err(INTERNAL, "yaml decode: nesting too deep")
    except (ValueError, TypeError) as e:
        return _err(INTERNAL, "yaml decode: %s" % e)


def make_module():
    m = LuaTable()
    m["encode"] = _lua_encode
    m["decode"] = _lua_decode
    return m
