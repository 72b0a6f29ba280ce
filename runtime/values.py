"""The Lua value model.

Lua value      Python representation
-----------    ----------------------------------------------------------
nil            ``None``
boolean        the singletons ``TRUE`` / ``FALSE`` (instances of ``LuaBool``;
               deliberately *not* Python ``bool``, so ``t[true]`` and ``t[1]``
               are different keys and ``1 == true`` is false)
integer        ``int`` always kept in the signed 64-bit range
float          ``float``
string         ``str`` whose characters are bytes (code points 0-255); text
               enters and leaves the runtime through latin-1
table          ``LuaTable``
function       a Python callable (compiled Lua functions are plain ``def``s)
coroutine      ``Coroutine`` (runtime.coroutine)

LuaTable is a ``dict`` subclass.  The dict holds every key/value pair of the
table (there is no separate array part: CPython's dict lookup of a small int is
as fast as a list index plus bounds check).  Invariants:

* no value is ever ``None`` (assigning nil deletes the key);
* float keys with an integral value are stored as ints (``t[2.0]`` is ``t[2]``);
* ``border`` is a hint for the length operator: ``#t`` starts from it and walks
  up while ``t[n+1]`` exists and down while ``t[n]`` is absent, so appending
  with ``t[#t+1] = v`` or ``table.insert`` is O(1) amortised;
* ``meta`` is the metatable (a LuaTable) or None; a table has a non-None
  ``meta`` exactly when its class is ``LuaMetaTable`` (or ``LuaFrozenTable``,
  whose writes raise).  Generated code therefore tests ``type(t) is
  LuaTable`` to take the no-metamethod fast path.
"""

import math
from types import MappingProxyType

__all__ = ["LuaBool", "TRUE", "FALSE", "LuaTable", "LuaMetaTable", "LuaFrozenTable",
           "LuaClassTable",
           "TABLE_TYPES", "LuaError", "lua_type",
           "tostring", "tostr", "tonumber", "fmt_float", "MAXINT", "MININT", "wrap"]

MAXINT = 0x7FFFFFFFFFFFFFFF
MININT = -0x8000000000000000


def wrap(n):
    """Wrap a Python int to the signed 64-bit range (Lua integer overflow)."""
    n &= 0xFFFFFFFFFFFFFFFF
    return n - 0x10000000000000000 if n > MAXINT else n


class LuaBool:
    """A Lua boolean.  Exactly two instances exist: ``TRUE`` and ``FALSE``."""
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __bool__(self):
        return self.value

    def __repr__(self):
        return "true" if self.value else "false"

    def __reduce__(self):
        return (_bool_of, (self.value,))


TRUE = LuaBool(True)
FALSE = LuaBool(False)


def _bool_of(v):
    return TRUE if v else FALSE


class LuaError(Exception):
    """A Lua error carrying any Lua value.

    ``value`` is what ``pcall`` returns as the error object; ``lua_traceback``
    is filled in when the error crosses the top level."""

    def __init__(self, value, traceback=None):
        Exception.__init__(self, value)
        self.value = value
        self.lua_traceback = traceback

    def __str__(self):
        v = self.value
        if type(v) is str:
            return v
        if v is None:
            return "nil"
        return tostring(v)


# the cache every metatable starts with (read-only: a lookup fills a dict
# of its own)
EMPTY_IC = MappingProxyType({})


class _TableSlots(dict):
    """The layout every table class shares (``__class__`` switches between
    them): ``meta`` and ``ic`` are slots, because CPython reads and writes
    slots several times faster than attributes in a dict subclass's
    ``__dict__``.  A plain ``LuaTable`` never sets them (making a table stays
    a C-level ``dict`` allocation): it shadows them with class attributes,
    and ``LuaMetaTable`` exposes the slots again.  Whoever switches a table
    to a metatable class sets both slots first (see ``LuaMetaTable.adopt``);
    switching back clears them."""
    __slots__ = ("meta", "ic", "__dict__")   # tables are never weakly referenced


_META_SLOT = _TableSlots.__dict__["meta"]
_IC_SLOT = _TableSlots.__dict__["ic"]


class LuaTable(_TableSlots):
    """A Lua table without a metatable (see the module docstring).

    Tables with a metatable are ``LuaMetaTable`` instances: ``setmetatable``
    switches ``__class__``, so the generated fast paths need one type check
    (``type(t) is LuaTable``) to know that no metamethod can apply."""
    __slots__ = ()
    meta = None     # class attributes: never written on a plain table
    border = 0      # the ``#t`` hint of tables with keys besides a sequence
    ic = EMPTY_IC   # lookup cache of a metatable (see ops.classes_changed)

    __hash__ = object.__hash__
    __eq__ = object.__eq__
    __ne__ = object.__ne__

    def __repr__(self):
        return "table: 0x%08x" % id(self)

    def __bool__(self):
        return True

    def length(self):
        """The border used by ``#t`` (ignores __len): the entry count when
        it is a border (every sequence without other keys), else the border
        found from the hint ``border`` (kept for tables with other keys)."""
        m = len(self)
        if (m in self or not m) and m + 1 not in self:
            return m
        # walk from the hint or the entry count, whichever is further: the
        # hint is not moved by appends (see above), and starting at the
        # count finds the same border as Lua for an array with holes punched
        # in it (Lua's array part keeps the old top)
        n = self.border
        if m > n:
            n = m
        if n + 1 in self:
            n += 1
            while n + 1 in self:
                n += 1
        elif n and n not in self:
            n -= 1
            while n and n not in self:
                n -= 1
        else:
            return n
        self.border = n
        return n


class LuaMetaTable(LuaTable):
    """A table with a metatable: Python operators dispatch to metamethods."""
    __slots__ = ()
    __hash__ = object.__hash__
    meta = _META_SLOT
    ic = _IC_SLOT

    def __init__(self, *args):
        self.meta = None
        self.ic = EMPTY_IC
        if args:
            dict.update(self, *args)

    @staticmethod
    def adopt(t, cls, meta):
        """Switch table ``t`` to the metatable class ``cls`` with metatable
        ``meta`` (the slots are set before the switch makes them visible)."""
        if type(t) is LuaTable:
            _META_SLOT.__set__(t, meta)
            _IC_SLOT.__set__(t, EMPTY_IC)
            t.__class__ = cls
        else:
            t.__class__ = cls
            t.meta = meta

    def __eq__(self, other):
        if self is other:
            return True
        if not isinstance(other, LuaTable):
            return False
        from .ops import eq_meta
        return eq_meta(self, other)

    def __ne__(self, other):
        return not self.__eq__(other)

    def __call__(self, *args):
        from .ops import call_meta
        return call_meta(self, args)

    def __lt__(self, other):
        from .ops import lt_meta
        return lt_meta(self, other)

    def __gt__(self, other):
        from .ops import lt_meta
        return lt_meta(other, self)

    def __le__(self, other):
        from .ops import le_meta
        return le_meta(self, other)

    def __ge__(self, other):
        from .ops import le_meta
        return le_meta(other, self)


class LuaFrozenTable(LuaMetaTable):
    """A table frozen with ``table.freeze``: every write raises."""
    __slots__ = ()
    __hash__ = object.__hash__


class LuaClassTable(LuaMetaTable):
    """A table used as a metatable or as an ``__index`` table (a "class").

    Its ``meta`` may be None.  Because its type is not ``LuaTable``, every
    write to it goes through ``ops.setindex`` (or rawset), which bumps
    ``ops.classes_changed``: lookups through metatables can then be cached
    per metatable (``ic``), all dropped when any class table changes."""
    __slots__ = ()
    __hash__ = object.__hash__


class Userdata:
    """Base of Python objects handed to Lua as userdata (errors, payloads,
    futures, channels...).  The class attribute ``lua_meta`` (a table) is the
    metatable every instance has: its ``__index`` table holds the methods
    Lua calls with ``obj:method()``.  Nothing else of the object is
    reachable from Lua."""
    __slots__ = ()
    lua_meta = None


TABLE_TYPES = frozenset((LuaTable, LuaMetaTable, LuaFrozenTable, LuaClassTable))


def _dict_slots_for_tables():
    """Give the table classes dict's own C ``in`` and ``t[k]``.

    ``dict`` defines ``__contains__`` and ``__getitem__`` as methods that
    coexist with its C slots, so CPython gives every dict subclass generic
    slots that look the method up and call it: ``k in t`` costs 19 ns
    instead of 8 and ``t[k]`` 21 instead of 9 (CPython 3.11).  The table
    classes override neither, so dict's functions are exactly what the
    generic slots end up calling; this copies the two function pointers
    into the classes' own (heap type) slot tables.  Only on CPython 3.11,
    only after checking the layout it relies on, and verified afterwards;
    ``WIPPY_NO_SLOT_COPY=1`` turns it off."""
    import os
    import sys
    if (sys.implementation.name != "cpython" or sys.version_info[:2] != (3, 11)
            or os.environ.get("WIPPY_NO_SLOT_COPY") or sys.maxsize != 2 ** 63 - 1):
        return False
    import ctypes
    word = ctypes.c_void_p.from_address
    ssize = ctypes.c_ssize_t.from_address
    # PyTypeObject, 64-bit: tp_basicsize at 32, tp_itemsize at 40,
    # tp_as_sequence at 104, tp_as_mapping at 112; PySequenceMethods'
    # sq_contains at 56, PyMappingMethods' mp_subscript at 8
    d_seq, d_map = word(id(dict) + 104).value, word(id(dict) + 112).value
    plan = []
    for cls in (LuaTable, LuaMetaTable, LuaFrozenTable, LuaClassTable):
        base = id(cls)
        if (ssize(base + 32).value != cls.__basicsize__
                or ssize(base + 40).value != cls.__itemsize__
                or ssize(id(dict) + 32).value != dict.__basicsize__):
            return False
        seq, mp = word(base + 104).value, word(base + 112).value
        end = base + type.__sizeof__(cls)
        # a heap type's slot tables live inside its own type object
        if not (seq and mp and base < seq < end and base < mp < end):
            return False
        plan.append((seq, mp))
    for seq, mp in plan:
        word(seq + 56).value = word(d_seq + 56).value
        word(mp + 8).value = word(d_map + 8).value
    for cls in (LuaTable, LuaMetaTable, LuaFrozenTable, LuaClassTable):
        probe = dict.__new__(cls)
        dict.__setitem__(probe, 1, "x")
        try:
            probe[2]
        except KeyError:
            pass
        else:
            raise SystemError("table slot copy: t[k] of a missing key")
        if not (1 in probe and 2 not in probe and probe[1] == "x"):
            raise SystemError("table slot copy: membership or subscript is wrong")
    return True


DICT_SLOTS = _dict_slots_for_tables()


def fmt_float(f):
    """Format a float the way Lua 5.3 does (``%.14g``, with ``.0`` added to
    integral values, ``inf``/``-inf``/``nan``/``-nan``)."""
    if f != f:
        return "-nan" if math.copysign(1.0, f) < 0 else "nan"
    if f == math.inf:
        return "inf"
    if f == -math.inf:
        return "-inf"
    s = "%.14g" % f
    if "." in s or "e" in s or "n" in s or "i" in s:
        return s
    return s + ".0"


def lua_type(v):
    """The Lua type name of a value."""
    t = type(v)
    name = _TYPE_NAMES.get(t)
    if name is not None:
        return name
    if v is None:
        return "nil"
    if callable(v):
        return "function"
    return "userdata"


_TYPE_NAMES = {int: "number", float: "number", str: "string", LuaBool: "boolean",
               LuaTable: "table", LuaMetaTable: "table", LuaFrozenTable: "table",
               LuaClassTable: "table",
               type(None): "nil"}


def register_type_name(pytype, name):
    """Give a Python class a Lua type name (e.g. coroutines: "thread")."""
    _TYPE_NAMES[pytype] = name


def tostr(v):
    """A string or number as a string (``lua_tolstring``), else None."""
    t = type(v)
    if t is str:
        return v
    if t is int:
        return str(v)
    if t is float:
        return fmt_float(v)
    return None


def tostring(v):
    """``tostring`` without the __tostring/__name metamethods."""
    s = tostr(v)
    if s is not None:
        return s
    t = type(v)
    if v is None:
        return "nil"
    if t is LuaBool:
        return "true" if v.value else "false"
    if t in TABLE_TYPES:
        return "table: 0x%08x" % id(v)
    name = lua_type(v)
    if name == "function":
        return "function: 0x%08x" % id(v)
    return "%s: 0x%08x" % (name, id(v))


_SPACE = " \f\n\r\t\v"


def _str2int(s):
    # s is stripped; decimal or hex integer, wrapping hex like Lua
    neg = False
    body = s
    if body[:1] in "+-":
        neg = body[0] == "-"
        body = body[1:]
    if body[:2] in ("0x", "0X"):
        digits = body[2:]
        if not digits or any(c not in "0123456789abcdefABCDEF" for c in digits):
            return None
        n = wrap(int(digits, 16))
        return wrap(-n) if neg else n
    if not body.isdigit() or not body.isascii():
        return None
    n = int(body)
    if neg:
        n = -n
    if MININT <= n <= MAXINT:
        return n
    return float(n)


def _str2float(s):
    body = s
    neg = False
    if body[:1] in "+-":
        neg = body[0] == "-"
        body = body[1:]
    if body[:1] in _SPACE or body[-1:] in _SPACE:
        return None
    if body[:2] in ("0x", "0X"):
        try:
            f = _hexfloat(body[2:])
        except ValueError:
            return None
        return -f if neg else f
    low = body.lower()
    if not body or "inf" in low or "nan" in low or "_" in body:
        return None
    try:
        f = float(body)
    except ValueError:
        return None
    return -f if neg else f


def _hexfloat(b):
    mant, _, exp = b.lower().partition("p")
    if _ and not exp:
        raise ValueError
    ip, dot, fp = mant.partition(".")
    if not ip and not fp:
        raise ValueError
    digits = ip + fp
    if any(c not in "0123456789abcdef" for c in digits):
        raise ValueError
    e = int(exp) if exp else 0
    return math.ldexp(float(int(digits, 16)), e - 4 * len(fp)) if digits else 0.0


def str2number(s):
    """Convert a Lua string to a number as the lexer would, or None."""
    s = s.strip(_SPACE)
    if not s:
        return None
    n = _str2int(s)
    if n is not None:
        return n
    return _str2float(s)


def tonumber(v):
    """Coerce a value to a number (numbers unchanged, numeric strings
    converted) or return None."""
    t = type(v)
    if t is int or t is float:
        return v
    if t is str:
        return str2number(v)
    return None
