"""``bit32``: Lua 5.3's compatibility library (lbitlib.c, built with
LUA_COMPAT_5_2 as Debian's lua5.3 is).  Arguments are integers (floats
with an integral value and numeric strings are accepted); results are
unsigned 32-bit values."""

from .values import LuaTable, TRUE, FALSE
from .baselib import check_int, NONE
from .errors import rt_error, arg_error

__all__ = ["make_bit32_lib"]

_NBITS = 32
_ALLONES = 0xFFFFFFFF


def _and(args, fname):
    r = _ALLONES
    for i, a in enumerate(args, 1):
        r &= check_int(a, i, fname)
    return r & _ALLONES


def b_and(*args):
    return _and(args, "band")


def b_test(*args):
    return TRUE if _and(args, "btest") else FALSE


def b_or(*args):
    r = 0
    for i, a in enumerate(args, 1):
        r |= check_int(a, i, "bor")
    return r & _ALLONES


def b_xor(*args):
    r = 0
    for i, a in enumerate(args, 1):
        r ^= check_int(a, i, "bxor")
    return r & _ALLONES


def b_not(x=NONE, *_):
    return ~check_int(x, 1, "bnot") & _ALLONES


def _shift(r, i):
    if i < 0:
        i = -i
        r &= _ALLONES
        return 0 if i >= _NBITS else r >> i
    if i >= _NBITS:
        return 0
    return (r << i) & _ALLONES


# lua5.3 (gcc) evaluates the C call's arguments last to first: the
# displacement is checked before the value in shifts and rotations


def b_lshift(x=NONE, disp=NONE, *_):
    i = check_int(disp, 2, "lshift")
    return _shift(check_int(x, 1, "lshift"), i)


def b_rshift(x=NONE, disp=NONE, *_):
    i = check_int(disp, 2, "rshift")
    return _shift(check_int(x, 1, "rshift"), -i)


def b_arshift(x=NONE, disp=NONE, *_):
    r = check_int(x, 1, "arshift")
    i = check_int(disp, 2, "arshift")
    if i < 0 or not r & 0x80000000:
        return _shift(r, -i)
    if i >= _NBITS:
        return _ALLONES
    r &= _ALLONES
    return ((r >> i) | (_ALLONES & ~(_ALLONES >> i))) & _ALLONES


def _rot(r, d):
    i = d & (_NBITS - 1)
    r &= _ALLONES
    if i:
        r = (r << i) | (r >> (_NBITS - i))
    return r & _ALLONES


def b_lrotate(x=NONE, disp=NONE, *_):
    d = check_int(disp, 2, "lrotate")
    return _rot(check_int(x, 1, "lrotate"), d)


def b_rrotate(x=NONE, disp=NONE, *_):
    d = check_int(disp, 2, "rrotate")
    return _rot(check_int(x, 1, "rrotate"), -d)


def _fieldargs(f, w, farg, fname):
    f = check_int(f, farg, fname)
    w = check_int(w, farg + 1, fname, 1)
    if f < 0:
        arg_error(farg, fname, "field cannot be negative")
    if w <= 0:
        arg_error(farg + 1, fname, "width must be positive")
    if f + w > _NBITS:
        rt_error("trying to access non-existent bits")
    return f, w


def b_extract(n=NONE, field=NONE, width=NONE, *_):
    r = check_int(n, 1, "extract") & _ALLONES
    f, w = _fieldargs(field, width, 2, "extract")
    return (r >> f) & ((1 << w) - 1)


def b_replace(n=NONE, v=NONE, field=NONE, width=NONE, *_):
    r = check_int(n, 1, "replace") & _ALLONES
    v = check_int(v, 2, "replace") & _ALLONES
    f, w = _fieldargs(field, width, 3, "replace")
    m = (1 << w) - 1
    return (r & ~(m << f)) | ((v & m) << f)


def make_bit32_lib():
    lib = LuaTable()
    for name, fn in [("arshift", b_arshift), ("band", b_and), ("bnot", b_not), ("bor", b_or),
                     ("btest", b_test), ("bxor", b_xor), ("extract", b_extract),
                     ("replace", b_replace), ("lrotate", b_lrotate), ("lshift", b_lshift),
                     ("rrotate", b_rrotate), ("rshift", b_rshift)]:
        lib[name] = fn
    return lib
