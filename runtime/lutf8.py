"""The Lua 5.3 ``utf8`` library (Lua 5.3 §6.5), byte for byte like 5.3.6's
lutf8lib.c.

Strings are Python ``str`` of bytes (see values.py).  Lua 5.3 specifics that
differ from 5.4: code points are limited to 0x10FFFF both when decoding and in
``utf8.char`` ("value out of range"); surrogates (U+D800-U+DFFF) are accepted;
there is no ``lax`` argument; the argument messages say "out of range",
"initial position out of string", "final position out of string" and
"position out of range".

The C code reads the terminating '\\0' of a string when a sequence runs past
the end; here a position past the end reads as byte 0, which has the same
effect (it is neither a continuation byte nor part of a sequence).
"""

from .values import LuaTable, wrap, str2number
from .ops import register_fast_iter
from .baselib import check_int, check_str, arg_error, NONE
from .errors import rt_error, BUILTIN_CODES

__all__ = ["make_utf8_lib", "CHARPATTERN"]

MAXUNICODE = 0x10FFFF
CHARPATTERN = "[\0-\x7F\xC2-\xF4][\x80-\xBF]*"

# smallest value that needs count+1 bytes is limits[count] + 1 (overlong check)
_LIMITS = (0xFF, 0x7F, 0x7FF, 0xFFFF)

# luaL_checkstack in codepoint fails a little below LUAI_MAXSTACK (1000000);
# the exact point depends on the stack in use, this is what a shallow call sees
_MAX_CODEPOINTS = 999979


def _posrelat(pos, n):
    if pos >= 0:
        return pos
    if -pos > n:
        return 0
    return n + pos + 1


def _decode(s, i, n):
    """utf8_decode: (code point, index after the sequence) for the sequence
    starting at s[i] (i < n), or None when it is invalid."""
    c = ord(s[i])
    if c < 0x80:
        return c, i + 1
    res = 0
    count = 0
    while c & 0x40:
        count += 1
        j = i + count
        cc = ord(s[j]) if j < n else 0
        if cc & 0xC0 != 0x80:
            return None
        res = (res << 6) | (cc & 0x3F)
        c <<= 1
    res |= (c & 0x7F) << (count * 5)
    if count > 3 or res > MAXUNICODE or res <= _LIMITS[count]:
        return None
    return res, i + count + 1


def _iscont(s, i, n):
    return i < n and (ord(s[i]) & 0xC0) == 0x80


def _encode(x):
    """luaO_utf8esc: the UTF-8 bytes of x (0 <= x <= 0x7FFFFFFF)."""
    if x < 0x80:
        return chr(x)
    buf = []
    mfb = 0x3F              # maximum that fits in the first byte
    while True:
        buf.append(chr(0x80 | (x & 0x3F)))
        x >>= 6
        mfb >>= 1
        if x <= mfb:
            break
    buf.append(chr(((~mfb << 1) & 0xFF) | x))
    buf.reverse()
    return "".join(buf)


# ---------------------------------------------------------------------------

def u_char(*args):
    out = []
    for i, c in enumerate(args, 1):
        code = check_int(c, i, "char")
        if not 0 <= code <= MAXUNICODE:
            arg_error(i, "char", "value out of range")
        out.append(chr(code) if code < 0x80 else _encode(code))
    return "".join(out)


def u_codepoint(s=NONE, i=None, j=None, *_):
    s = check_str(s, 1, "codepoint")
    n = len(s)
    posi = _posrelat(check_int(i, 2, "codepoint", 1), n)
    pose = _posrelat(check_int(j, 3, "codepoint", posi), n)
    if posi < 1:
        arg_error(2, "codepoint", "out of range")
    if pose > n:
        arg_error(3, "codepoint", "out of range")
    if posi > pose:
        return ()
    if pose - posi >= 0x7FFFFFFF:
        rt_error("string slice too long")
    if pose - posi + 1 > _MAX_CODEPOINTS:
        rt_error("stack overflow (string slice too long)")
    if posi == pose:
        c = ord(s[posi - 1])
        if c < 0x80:
            return c
    out = []
    k = posi - 1
    decode = _decode
    while k < pose:
        r = decode(s, k, n)
        if r is None:
            rt_error("invalid UTF-8 code")
        out.append(r[0])
        k = r[1]
    if len(out) == 1:
        return out[0]
    return tuple(out)


def u_len(s=NONE, i=None, j=None, *_):
    s = check_str(s, 1, "len")
    n = len(s)
    posi = _posrelat(check_int(i, 2, "len", 1), n)
    posj = _posrelat(check_int(j, 3, "len", -1), n)
    posi -= 1
    if not (0 <= posi <= n):
        arg_error(2, "len", "initial position out of string")
    posj -= 1
    if not posj < n:
        arg_error(3, "len", "final position out of string")
    count = 0
    decode = _decode
    while posi <= posj:
        c = ord(s[posi])
        if c < 0x80:
            posi += 1
        else:
            r = decode(s, posi, n)
            if r is None:
                return (None, posi + 1)
            posi = r[1]
        count += 1
    return count


def u_offset(s=NONE, n=NONE, i=None, *_):
    s = check_str(s, 1, "offset")
    ln = len(s)
    n = check_int(n, 2, "offset")
    posi = 1 if n >= 0 else ln + 1
    posi = _posrelat(check_int(i, 3, "offset", posi), ln)
    posi -= 1
    if not (0 <= posi <= ln):
        arg_error(3, "offset", "position out of range")
    if n == 0:
        while posi > 0 and _iscont(s, posi, ln):
            posi -= 1
    else:
        if _iscont(s, posi, ln):
            rt_error("initial position is a continuation byte")
        if n < 0:
            while n < 0 and posi > 0:
                posi -= 1
                while posi > 0 and _iscont(s, posi, ln):
                    posi -= 1
                n += 1
        else:
            n -= 1
            while n > 0 and posi < ln:
                posi += 1
                while _iscont(s, posi, ln):
                    posi += 1
                n -= 1
    if n == 0:
        return posi + 1
    return None


def _tointeger(v):
    """lua_tointeger: the integer value of v, or 0."""
    t = type(v)
    if t is int:
        return v
    if t is str:
        v = str2number(v)
        t = type(v)
        if t is int:
            return v
    if t is float:
        if v.is_integer() and -9.2233720368547758e18 <= v < 9.2233720368547758e18:
            return int(v)
    return 0


def _iter_aux(s=NONE, c=None, *_):
    s = check_str(s, 1, "for iterator")
    ln = len(s)
    n = wrap(_tointeger(c) - 1)
    if n < 0:
        n = 0
    elif n < ln:
        n += 1
        while n < ln and (ord(s[n]) & 0xC0) == 0x80:
            n += 1
    if n >= ln:
        return ()
    r = _decode(s, n, ln)
    if r is None or _iscont(s, r[1], ln):
        rt_error("invalid UTF-8 code")
    return (n + 1, r[0])


# the iterator is a C function without a global name: errors raised from it
# through pcall have no position and arguments are reported as '?'
BUILTIN_CODES[_iter_aux.__code__] = "?"


def _codes_fast(s, c):
    """Fast path of ``for p, c in utf8.codes(s)``: a generator yielding what
    successive _iter_aux calls return (errors at the same iteration)."""
    if type(s) is not str or type(c) is not int or c != 0:
        return None
    return _codes_gen(s)


def _codes_gen(s):
    ln = len(s)
    n = 0
    decode = _decode
    while n < ln:
        c = ord(s[n])
        if c < 0x80:
            nxt = n + 1
        else:
            r = decode(s, n, ln)
            if r is None:
                rt_error("invalid UTF-8 code")
            c, nxt = r
        if nxt < ln and (ord(s[nxt]) & 0xC0) == 0x80:
            rt_error("invalid UTF-8 code")
        yield (n + 1, c)
        n = nxt


register_fast_iter(_iter_aux, _codes_fast)


def u_codes(s=NONE, *_):
    s = check_str(s, 1, "codes")     # a number becomes a string, as in Lua
    return (_iter_aux, s, 0)


def make_utf8_lib():
    lib = LuaTable()
    for name, fn in [("char", u_char), ("codepoint", u_codepoint), ("len", u_len),
                     ("offset", u_offset), ("codes", u_codes)]:
        lib[name] = fn
    lib["charpattern"] = CHARPATTERN
    return lib
