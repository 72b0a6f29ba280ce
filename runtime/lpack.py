"""Lua 5.3 ``string.pack``, ``string.unpack`` and ``string.packsize``.

A port of the PACK/UNPACK part of lstrlib.c (5.3.6) for the machine Lua is
usually built for (x86-64 Linux): little endian native order, ``int`` 4
bytes, ``short`` 2, ``long``/``size_t``/``lua_Integer``/``double`` 8, and a
native maximum alignment of 8.

Options: ``< > = !n`` (endianness, maximum alignment), ``b B h H l L j J T``,
``i[n] I[n]`` (n in 1..16), ``f d n``, ``s[n]`` (length-prefixed string),
``z`` (zero-terminated), ``cn`` (fixed size), ``x`` (one zero byte),
``Xop`` (align to ``op``, which is otherwise consumed), spaces.

Each format string is parsed once (cached) into option tuples (kind, size,
alignment, byte order) walked per call; a format error becomes a last tuple
that raises when reached, so errors keep C's order relative to argument
errors.  Formats of fixed-size options without alignment also get a
``struct.Struct`` fast path.  ``unpack`` returns a tuple: the values followed
by the position after the last byte read.  As in 5.3.6, ``unpack("z", s)`` with no
terminating zero reads to the end of ``s`` (5.4 raises "unfinished string
for format 'z'").
"""

import struct

from .errors import arg_error, rt_error
from .strargs import NOARG, check_int, check_num, check_str
from .values import wrap

__all__ = ["pack", "unpack", "packsize"]

MAXINTSIZE = 16
SZINT = 8                  # sizeof(lua_Integer)
MAXALIGN = 8
MAXSIZE = 0x7FFFFFFF       # INT_MAX: the limit of sizes in a format
NATIVE_LITTLE = True

(K_INT, K_UINT, K_FLOAT, K_CHAR, K_STRING, K_ZSTR, K_PADDING, K_PADDALIGN,
 K_NOP) = range(9)

_FIXED = {
    "b": (1, K_INT), "B": (1, K_UINT), "h": (2, K_INT), "H": (2, K_UINT),
    "l": (8, K_INT), "L": (8, K_UINT), "j": (8, K_INT), "J": (8, K_UINT),
    "T": (8, K_UINT), "f": (4, K_FLOAT), "d": (8, K_FLOAT), "n": (8, K_FLOAT),
}


def _errchar(c):
    return c if " " <= c <= "~" else "<\\%d>" % ord(c)


class _FormatError(Exception):
    """An error the format raises when it is reached: ``argerr`` tells an
    argument error on argument #1 from a plain ``luaL_error``."""

    def __init__(self, msg, argerr=False):
        Exception.__init__(self, msg)
        self.msg = msg
        self.argerr = argerr


class _Reader:
    """Walks a format string like C's ``getoption``/``getdetails``."""
    __slots__ = ("fmt", "i", "little", "maxalign")

    def __init__(self, fmt):
        self.fmt = fmt + "\0"
        self.i = 0
        self.little = NATIVE_LITTLE
        self.maxalign = 1

    def more(self):
        return self.fmt[self.i] != "\0"     # C stops at an embedded zero too

    def getnum(self, df):
        f = self.fmt
        i = self.i
        if not ("0" <= f[i] <= "9"):
            return df
        a = 0
        while True:
            a = a * 10 + ord(f[i]) - 48
            i += 1
            if not ("0" <= f[i] <= "9" and a <= (MAXSIZE - 9) // 10):
                break
        self.i = i
        return a

    def getnumlimit(self, df):
        sz = self.getnum(df)
        if sz > MAXINTSIZE or sz <= 0:
            raise _FormatError("integral size (%d) out of limits [1,%d]"
                               % (sz, MAXINTSIZE))
        return sz

    def getoption(self):
        """(kind, size) of the next option."""
        opt = self.fmt[self.i]
        self.i += 1
        fixed = _FIXED.get(opt)
        if fixed is not None:
            return fixed[1], fixed[0]
        if opt == "i":
            return K_INT, self.getnumlimit(4)
        if opt == "I":
            return K_UINT, self.getnumlimit(4)
        if opt == "s":
            return K_STRING, self.getnumlimit(8)
        if opt == "c":
            size = self.getnum(-1)
            if size == -1:
                raise _FormatError("missing size for format option 'c'")
            return K_CHAR, size
        if opt == "z":
            return K_ZSTR, 0
        if opt == "x":
            return K_PADDING, 1
        if opt == "X":
            return K_PADDALIGN, 0
        if opt == " ":
            pass
        elif opt == "<":
            self.little = True
        elif opt == ">":
            self.little = False
        elif opt == "=":
            self.little = NATIVE_LITTLE
        elif opt == "!":
            self.maxalign = self.getnumlimit(MAXALIGN)
        else:
            raise _FormatError("invalid format option '%s'" % _errchar(opt))
        return K_NOP, 0

    def getdetails(self):
        """(kind, size, alignment) of the next option; the alignment (0 for
        none, else a power of 2) is applied to the running offset."""
        kind, size = self.getoption()
        align = size
        if kind == K_PADDALIGN:
            if self.fmt[self.i] == "\0":
                raise _FormatError("invalid next option for option 'X'", True)
            k2, align = self.getoption()
            if k2 == K_CHAR or align == 0:
                raise _FormatError("invalid next option for option 'X'", True)
        if align <= 1 or kind == K_CHAR:
            return kind, size, 0
        if align > self.maxalign:
            align = self.maxalign
        if align & (align - 1):
            raise _FormatError("format asks for alignment not power of 2", True)
        return kind, size, align if align > 1 else 0


K_ERR = -1
_CACHE = {}
_CACHE_MAX = 1024


def _options(fmt):
    """The options of ``fmt`` as ``(kind, size, align, little)`` tuples; a
    format error becomes a final ``(K_ERR, error, 0, False)``.  (No-ops stay:
    ``unpack`` checks the position even for them.)"""
    ops = _CACHE.get(fmt)
    if ops is not None:
        return ops
    h = _Reader(fmt)
    ops = []
    try:
        while h.more():
            kind, size, align = h.getdetails()
            ops.append((kind, size, align, h.little))
    except _FormatError as e:
        ops.append((K_ERR, e, 0, False))
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[fmt] = ops = tuple(ops)
    return ops


_STRUCT_INT = {1: "b", 2: "h", 4: "i", 8: "q"}
_FAST = {}


class _Fast:
    """A format that is one ``struct`` layout: fixed-size options only, no
    alignment, one byte order.  ``unpack`` reads 8-byte unsigned integers
    as signed (Lua wraps them); ``pack`` uses the exact ranges Lua checks
    and leaves anything ``struct`` refuses to the general path."""
    __slots__ = ("pack", "unpack", "size", "nvals", "chars")


def _fast(fmt):
    f = _FAST.get(fmt)
    if f is not None:
        return f
    f = False
    little = None
    pk = []
    up = []
    chars = []
    nvals = 0
    for kind, size, align, lt in _options(fmt):
        if align or kind in (K_ERR, K_STRING, K_ZSTR):
            break
        if kind in (K_NOP, K_PADDALIGN):
            continue
        if kind == K_PADDING:
            pk.append("x")
            up.append("x")
            continue
        if little is None:
            little = lt
        elif little != lt:
            break
        if kind == K_INT or kind == K_UINT:
            code = _STRUCT_INT.get(size)
            if code is None:
                break
            pk.append(code.upper() if kind == K_UINT else code)
            up.append(code if size == 8 or kind == K_INT else code.upper())
        elif kind == K_FLOAT:
            pk.append("f" if size == 4 else "d")
            up.append(pk[-1])
        else:   # K_CHAR
            pk.append("%ds" % size)
            up.append(pk[-1])
            chars.append((nvals, size))
        nvals += 1
    else:
        order = "<" if little or little is None else ">"
        f = _Fast()
        f.pack = struct.Struct(order + "".join(pk)).pack
        st = struct.Struct(order + "".join(up))
        f.unpack = st.unpack
        f.size = st.size
        f.nvals = nvals
        f.chars = tuple(chars)
    if len(_FAST) >= _CACHE_MAX:
        _FAST.clear()
    _FAST[fmt] = f
    return f


def _raise(e, fname):
    if e.argerr:
        arg_error(1, fname, e.msg)
    rt_error(e.msg)


def _packint(n, little, size, neg):
    """``size`` bytes of the 64-bit two's complement of ``n`` (sign-extended
    past 8 bytes when ``neg``)."""
    n &= 0xFFFFFFFFFFFFFFFF
    if size > SZINT and neg:
        n |= ((1 << (8 * (size - SZINT))) - 1) << 64
    elif size < SZINT:
        n &= (1 << (8 * size)) - 1
    return n.to_bytes(size, "little" if little else "big").decode("latin-1")


def _packfloat(x, little, size):
    code = ("<" if little else ">") + ("f" if size == 4 else "d")
    try:
        return struct.pack(code, x).decode("latin-1")
    except OverflowError:              # (float)x overflowed: C gives +-inf
        return struct.pack(code, x * float("inf")).decode("latin-1")


def pack(fmt=NOARG, *args):
    """``string.pack(fmt, v1, v2, ...)``."""
    if type(fmt) is not str:
        fmt = check_str(fmt, 1, "pack")
    fast = _FAST.get(fmt)
    if fast is None:
        fast = _fast(fmt)
    if fast and len(args) >= fast.nvals:
        try:
            vals = args[:fast.nvals]
            if fast.chars:
                vals = list(vals)
                for i, size in fast.chars:
                    if len(vals[i]) > size:
                        raise ValueError
                    vals[i] = vals[i].encode("latin-1")
            return fast.pack(*vals).decode("latin-1")
        except (struct.error, OverflowError, TypeError, ValueError,
                AttributeError):
            pass            # let the general path find Lua's error
    out = []
    total = 0
    argn = 1
    nargs = len(args)
    for kind, size, align, little in _options(fmt):
        if kind == K_ERR:
            _raise(size, "pack")
        if align:
            ntoalign = -total & (align - 1)
            if ntoalign:
                out.append("\0" * ntoalign)
                total += ntoalign
        total += size
        if kind >= K_PADDING:
            if kind == K_PADDING:
                out.append("\0")
            continue
        argn += 1
        # a missing value reads as nil: C pushes a nil right after the args
        v = args[argn - 2] if argn - 2 < nargs else None
        if kind == K_INT:
            n = v if type(v) is int else check_int(v, argn, "pack")
            if size < SZINT:
                lim = 1 << (size * 8 - 1)
                if not -lim <= n < lim:
                    arg_error(argn, "pack", "integer overflow")
            out.append(_packint(n, little, size, n < 0))
        elif kind == K_UINT:
            n = v if type(v) is int else check_int(v, argn, "pack")
            if size < SZINT and not (n & 0xFFFFFFFFFFFFFFFF) < (1 << (size * 8)):
                arg_error(argn, "pack", "unsigned overflow")
            out.append(_packint(n, little, size, False))
        elif kind == K_FLOAT:
            x = v if type(v) is float else check_num(v, argn, "pack")
            out.append(_packfloat(float(x), little, size))
        elif kind == K_CHAR:
            s = v if type(v) is str else check_str(v, argn, "pack")
            if len(s) > size:
                arg_error(argn, "pack", "string longer than given size")
            out.append(s)
            if len(s) < size:
                out.append("\0" * (size - len(s)))
        elif kind == K_STRING:
            s = v if type(v) is str else check_str(v, argn, "pack")
            if not (size >= 8 or len(s) < (1 << (size * 8))):
                arg_error(argn, "pack", "string length does not fit in given size")
            out.append(_packint(len(s), little, size, False))
            out.append(s)
            total += len(s)
        else:  # K_ZSTR
            s = v if type(v) is str else check_str(v, argn, "pack")
            if "\0" in s:
                arg_error(argn, "pack", "string contains zeros")
            out.append(s)
            out.append("\0")
            total += len(s) + 1
    return "".join(out)


def packsize(fmt=NOARG, *_):
    """``string.packsize(fmt)``."""
    if type(fmt) is not str:
        fmt = check_str(fmt, 1, "packsize")
    total = 0
    for kind, size, align, _little in _options(fmt):
        if kind == K_ERR:
            _raise(size, "packsize")
        if align:
            size += -total & (align - 1)
        if not total <= MAXSIZE - size:
            arg_error(1, "packsize", "format result too large")
        total += size
        if kind == K_STRING or kind == K_ZSTR:
            arg_error(1, "packsize", "variable-length format")
    return total


def _unpackint(data, pos, little, size, signed):
    raw = data[pos:pos + size].encode("latin-1")
    if not little:
        raw = raw[::-1]
    res = int.from_bytes(raw[:SZINT], "little")
    if size < SZINT:
        if signed:
            mask = 1 << (size * 8 - 1)
            res = (res ^ mask) - mask
        return res
    if size > SZINT:
        mask = 0xFF if signed and res >= (1 << 63) else 0
        for b in raw[SZINT:]:
            if b != mask:
                rt_error("%d-byte integer does not fit into Lua Integer" % size)
    return wrap(res)


def unpack(fmt=NOARG, data=NOARG, pos=None, *_):
    """``string.unpack(fmt, s [, pos])`` -> ``(v1, ..., next_pos)``."""
    if type(fmt) is not str:
        fmt = check_str(fmt, 1, "unpack")
    if type(data) is not str:
        data = check_str(data, 2, "unpack")
    ld = len(data)
    if pos is None:
        pos = 0
    else:
        p = pos if type(pos) is int else check_int(pos, 3, "unpack")
        if p < 0:
            p = ld + p + 1 if -p <= ld else 0
        pos = p - 1
    if not 0 <= pos <= ld:
        arg_error(3, "unpack", "initial position out of string")
    fast = _FAST.get(fmt)
    if fast is None:
        fast = _fast(fmt)
    if fast and pos + fast.size <= ld:
        end = pos + fast.size
        vals = fast.unpack(data[pos:end].encode("latin-1"))
        if fast.chars:
            vals = list(vals)
            for i, _ in fast.chars:
                vals[i] = vals[i].decode("latin-1")
            vals = tuple(vals)
        return vals + (end + 1,)
    out = []
    for kind, size, align, little in _options(fmt):
        if kind == K_ERR:
            _raise(size, "unpack")
        ntoalign = -pos & (align - 1) if align else 0
        if pos + ntoalign + size > ld:
            arg_error(2, "unpack", "data string too short")
        pos += ntoalign
        if kind == K_INT or kind == K_UINT:
            out.append(_unpackint(data, pos, little, size, kind == K_INT))
        elif kind == K_FLOAT:
            code = ("<" if little else ">") + ("f" if size == 4 else "d")
            out.append(struct.unpack(code, data[pos:pos + size].encode("latin-1"))[0])
        elif kind == K_CHAR:
            out.append(data[pos:pos + size])
        elif kind == K_STRING:
            ln = _unpackint(data, pos, little, size, False) & 0xFFFFFFFFFFFFFFFF
            if not pos + ln + size <= ld:
                arg_error(2, "unpack", "data string too short")
            out.append(data[pos + size:pos + size + ln])
            pos += ln
        elif kind == K_ZSTR:
            e = data.find("\0", pos)
            if e < 0:
                e = ld
            out.append(data[pos:e])
            pos = e + 1
        pos += size
    out.append(pos + 1)
    return tuple(out)

