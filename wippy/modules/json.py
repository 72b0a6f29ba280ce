"""The ``json`` module: ``encode``, ``decode``, ``validate``, ``validate_string``.

Encoding follows Wippy's rules: nil -> ``null``; a table whose keys are
exactly 1..n -> array (the empty table -> ``[]``); a table with only string
keys -> object; mixed key types, sparse arrays, recursive references, nesting
deeper than 128 levels, functions and userdata -> ``nil, err`` (kind
INTERNAL, retryable false).  Inf/NaN encode as ``null``.

Decisions where the documentation is silent:

* object keys are written sorted (as Go's encoder writes maps), so the
  output is deterministic;
* a float with an integral value below 1e21 is written without a fraction
  (``1.0`` -> ``1``), as Go writes float64; other floats use Python's
  shortest round-trip form (``0.1``, ``1e-07``);
* Lua strings are bytes: they are written as UTF-8 text unescaped; invalid
  UTF-8 bytes become U+FFFD (as Go does);
* decoding: a number written without ``.``/exponent is an integer (a float
  when it does not fit in 64 bits), anything else is a float (``1e2`` ->
  100.0, as Lua's own ``tonumber("1e2")``); ``null`` gives nil, so the key or
  array slot disappears; ``NaN``/``Infinity`` literals are rejected; the empty
  string and non-strings give an INVALID error, bad syntax an INTERNAL one.
* ``validate``: the schema is a table (encoded with the rules above, except
  that an empty table is ``{}`` unless it sits under ``required``, ``enum``,
  ``type``, ``allOf``/``anyOf``/``oneOf``, ``items`` or ``prefixItems``) or a
  JSON string; compiled validators are cached by the schema's canonical JSON
  text.  The data is converted with the encoding rules.  A schema that does
  not compile, data that does not validate and missing data are INVALID;
  the error's details hold ``errors = {{path=, message=}...}``.
"""

import json as _json
import math

from wippy.runtime.values import LuaTable, LuaBool, TRUE, FALSE, TABLE_TYPES, MAXINT, MININT
from wippy.convert import text_to_lua, lua_to_text
from wippy.lerrors import new_error, INVALID, INTERNAL
from ._util import lua_type

__all__ = ["make_module", "encode", "decode", "EncodeError", "to_json_value", "from_json_value"]

MAX_DEPTH = 128


class EncodeError(Exception):
    pass


_INF = math.inf


def to_json_value(v, empty_as=list, _schema=False):
    """Lua value -> Python value ready for ``json.dumps`` (EncodeError on
    Wippy's encoding errors)."""
    path = set()

    def enc(v, depth, parent_key=None):
        t = type(v)
        if t is str:
            return v if v.isascii() else lua_to_text(v)
        if t is int:
            return v
        if t is float:
            if v != v or v == _INF or v == -_INF:
                return None
            if v.is_integer() and -1e21 < v < 1e21:
                return int(v)
            return v
        if t is LuaBool:
            return v is TRUE
        if v is None:
            return None
        if t in TABLE_TYPES:
            if depth >= MAX_DEPTH:
                raise EncodeError("maximum nesting depth of %d exceeded" % MAX_DEPTH)
            n = len(v)
            if n == 0:
                if _schema and parent_key not in _ARRAY_KEYWORDS:
                    return {}
                return empty_as()
            i = id(v)
            if i in path:
                raise EncodeError("recursive table reference")
            path.add(i)
            d1 = depth + 1
            if 1 in v and n in v:
                ok = True
                for k in range(2, n):
                    if k not in v:
                        ok = False
                        break
                if ok:
                    out = [None] * n
                    for k in range(n):
                        x = v[k + 1]
                        tx = type(x)
                        out[k] = (x if tx is int or (tx is str and x.isascii())
                                  else enc(x, d1))
                    path.discard(i)
                    return out
            out = {}
            has_str = has_other = False
            for k, x in v.items():
                if type(k) is str:
                    has_str = True
                    tx = type(x)
                    out[k if k.isascii() else lua_to_text(k)] = (
                        x if tx is int or (tx is str and x.isascii()) else enc(x, d1, k))
                else:
                    has_other = True
                    if has_str:
                        break
            if has_other:
                if has_str:
                    raise EncodeError("cannot encode a table with mixed key types")
                if all(type(k) is int for k in v):
                    raise EncodeError("cannot encode a sparse array")
                bad = next(k for k in v if type(k) is not int)
                raise EncodeError("cannot encode a table key of type %s" % lua_type(bad))
            path.discard(i)
            return out
        raise EncodeError("cannot encode a value of type %s" % lua_type(v))

    return enc(v, 0)


_ARRAY_KEYWORDS = frozenset(("required", "enum", "type", "allOf", "anyOf", "oneOf", "items",
                             "prefixItems", "examples"))

_dumps = _json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                           allow_nan=False, check_circular=False).encode


def encode(v):
    """Lua value -> JSON text as a Lua string (EncodeError on failure)."""
    t = type(v)
    if t is str and v.isascii():
        return _dumps(v)
    s = _dumps(to_json_value(v))
    return s if s.isascii() else text_to_lua(s)


def from_json_value(v):
    """Python value from ``json.loads`` -> Lua value (null drops the slot)."""
    t = type(v)
    if t is str:
        return v if v.isascii() else text_to_lua(v)
    if t is int:
        return v if MININT <= v <= MAXINT else float(v)
    if t is float:
        return v
    if t is bool:
        return TRUE if v else FALSE
    if t is list:
        out = LuaTable()
        i = 0
        holes = False
        for x in v:
            i += 1
            tx = type(x)
            if tx is str:
                out[i] = x if x.isascii() else text_to_lua(x)
            elif tx is int and MININT <= x <= MAXINT:
                out[i] = x
            elif x is None:
                holes = True
            else:
                out[i] = from_json_value(x)
        if not holes:
            out.border = i
        return out
    if t is dict:
        out = LuaTable()
        for k, x in v.items():
            if not k.isascii():
                k = text_to_lua(k)
            tx = type(x)
            if tx is str:
                out[k] = x if x.isascii() else text_to_lua(x)
            elif tx is int and MININT <= x <= MAXINT:
                out[k] = x
            elif x is not None:
                out[k] = from_json_value(x)
        return out
    return None


def _bad_constant(name):
    raise ValueError("invalid literal %s" % name)


_loads = _json.JSONDecoder(parse_constant=_bad_constant).decode


def decode(s):
    """JSON text (a Lua string) -> Lua value (ValueError on bad syntax)."""
    text = s if s.isascii() else s.encode("latin-1").decode("utf-8", "surrogateescape")
    return from_json_value(_loads(text))


def _err(kind, msg):
    return new_error(kind, msg, False)


def _lua_encode(v=None, *_):
    try:
        return encode(v)
    except EncodeError as e:
        return None, _err(INTERNAL, "json encode: %s" % e)
    except RecursionError:
        return None, _err(INTERNAL, "json encode: maximum nesting depth exceeded")


def _lua_decode(s=None, *_):
    if type(s) is not str:
        return None, _err(INVALID, "json decode: string expected, got %s" % lua_type(s))
    if s == "":
        return None, _err(INVALID, "json decode: empty input")
    try:
        return decode(s)
    except RecursionError:
        return None, _err(INTERNAL, "json decode: maximum nesting depth exceeded")
    except ValueError as e:
        return None, _err(INTERNAL, "json decode: %s" % e)


# -- schema validation -------------------------------------------------------

_VALIDATORS = {}
_MAX_CACHED = 512


def _compile(schema):
    """(validator, None) or (None, err)."""
    if type(schema) is str:
        key = schema
        v = _VALIDATORS.get(key)
        if v is not None:
            return v, None
        try:
            py = _loads(lua_to_text(schema, "surrogateescape"))
        except (ValueError, RecursionError) as e:
            return None, _err(INVALID, "schema compilation failed: invalid JSON: %s" % e)
    elif type(schema) in TABLE_TYPES:
        try:
            py = to_json_value(schema, dict, _schema=True)
        except (EncodeError, RecursionError) as e:
            return None, _err(INVALID, "schema compilation failed: %s" % e)
        key = _dumps(py)
        v = _VALIDATORS.get(key)
        if v is not None:
            return v, None
    else:
        return None, _err(INVALID, "schema must be a table or a JSON string, got %s"
                          % lua_type(schema))
    try:
        import jsonschema
        from jsonschema import validators
    except ImportError:     # pragma: no cover
        return None, _err(INTERNAL, "JSON schema validation is not available")
    if not isinstance(py, (dict, bool)):
        return None, _err(INVALID, "schema compilation failed: a schema must be an object")
    try:
        cls = validators.validator_for(py, default=jsonschema.Draft202012Validator)
        cls.check_schema(py)
        v = cls(py, format_checker=cls.FORMAT_CHECKER)
    except Exception as e:
        msg = getattr(e, "message", None) or str(e).split("\n")[0]
        return None, _err(INVALID, "schema compilation failed: %s" % msg)
    if len(_VALIDATORS) >= _MAX_CACHED:
        _VALIDATORS.clear()
    _VALIDATORS[key] = v
    return v, None


def _path(err):
    parts = []
    for p in err.absolute_path:
        parts.append("[%d]" % p if isinstance(p, int) else ("." + str(p) if parts else str(p)))
    return "".join(parts)


def _run(validator, data):
    errs = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if not errs:
        return TRUE
    items = LuaTable()
    msgs = []
    for i, e in enumerate(errs, 1):
        p = _path(e)
        m = text_to_lua(e.message)
        item = LuaTable()
        item["path"] = text_to_lua(p)
        item["message"] = m
        items[i] = item
        msgs.append("%s: %s" % (text_to_lua(p), m) if p else m)
    det = LuaTable()
    det["errors"] = items
    return FALSE, new_error(INVALID, "validation failed: " + "; ".join(msgs), False, det)


def _lua_validate(schema=None, data=None, *_):
    validator, err = _compile(schema)
    if err is not None:
        return FALSE, err
    if data is None:
        return FALSE, _err(INVALID, "validation failed: data is required")
    try:
        py = to_json_value(data)
    except (EncodeError, RecursionError) as e:
        return FALSE, _err(INVALID, "validation failed: cannot convert data: %s" % e)
    return _run(validator, py)


def _lua_validate_string(schema=None, json_str=None, *_):
    validator, err = _compile(schema)
    if err is not None:
        return FALSE, err
    if type(json_str) is not str:
        return FALSE, _err(INVALID, "validation failed: JSON string expected, got %s"
                           % lua_type(json_str))
    if json_str == "":
        return FALSE, _err(INVALID, "validation failed: data is required")
    try:
        py = _loads(lua_to_text(json_str, "surrogateescape"))
    except (ValueError, RecursionError) as e:
        return FALSE, _err(INTERNAL, "json decode: %s" % e)
    return _run(validator, py)


def make_module():
    m = LuaTable()
    m["encode"] = _lua_encode
    m["decode"] = _lua_decode
    m["validate"] = _lua_validate
    m["validate_string"] = _lua_validate_string
    return m
