"""Lua 5.3 ``string.format``.

Follows ``str_format`` of lstrlib.c (5.3.6) with the C library's printf
semantics (glibc): conversions ``%d %i %u %c %x %X %o %e %E %f %g %G %a %A
%q %s %%``, flags ``-+ #0`` (at most five), width and precision of at most
two digits each.  Errors appear lazily, item by item, exactly where C raises
them: the "no value" check of an item comes before its syntax check.

Each format string is parsed once and cached.  When every item of a format
has an exact Python form for the argument types actually passed (ints for
``%d``, finite floats for ``%f``, strings for ``%s`` ...), generated code
checks those types and builds the result with one f-string of per-item
expressions (``str``/``ljust``/``zfill`` of ints and strings; a ``%`` of
the item's spec for the rest) or, when every item is a ``%`` one, one Python
``%`` operation; any other argument falls back to the item-by-item
interpreter, which emulates printf itself (integer precision, ``#``, the
two's complement of ``%x`` on negative numbers, ``inf``/``-nan``, ``%a``).
The code of ``format`` itself is generated too: the hot format strings'
checks and expressions are inlined in it (see the section at the end).

``%q`` is Lua 5.3.6's: integers with ``%d`` (``math.mininteger`` in hex),
floats in hexadecimal (``0x1p+0``) -- and, as 5.3.6 really does, ``inf``,
``-inf``, ``nan``/``-nan`` for the non-finite ones (5.4 writes ``1e9999``
and ``(0/0)``); control characters as ``\\ddd`` (``\\r`` is ``\\13``), a
newline as backslash-newline; width/flags given to ``%q`` are ignored as in
5.3 (5.4 rejects them).
"""

import ast
import math
import re
import warnings

from . import values
from .errors import arg_error, rt_error
from .strargs import NOARG, check_int, check_num, check_str
from .values import LuaBool, MININT, fmt_float

__all__ = ["format"]

FLAGS = "-+ #0"
_MASK64 = 0xFFFFFFFFFFFFFFFF

_tostring_meta = None


def _tostring(v):
    """``luaL_tolstring``: ``__tostring``-aware when runtime.ops provides
    ``tostring_meta``, plain ``values.tostring`` otherwise."""
    global _tostring_meta
    if _tostring_meta is None:
        try:
            from . import ops
            _tostring_meta = getattr(ops, "tostring_meta", None) or values.tostring
        except ImportError:
            _tostring_meta = values.tostring
    return _tostring_meta(v)


def _tostr(v):
    t = type(v)
    if t is str:
        return v
    if t is int:
        return str(v)
    if t is float:
        return fmt_float(v)
    return _tostring(v)


# --------------------------------------------------------------------------
# printf emulation

def _pad(body, flags, width, zero_at=None):
    """Pad ``body`` to ``width``; ``zero_at`` is where zeros go (after the
    sign/prefix) when the '0' flag applies, None when it does not."""
    if width is None or len(body) >= width:
        return body
    if "-" in flags:
        return body.ljust(width)
    if zero_at is not None and "0" in flags:
        return body[:zero_at] + "0" * (width - len(body)) + body[zero_at:]
    return body.rjust(width)


def _sign(neg, flags):
    if neg:
        return "-"
    if "+" in flags:
        return "+"
    if " " in flags:
        return " "
    return ""


def printf_int(n, conv, flags, width, prec):
    """C printf of a 64-bit integer with conversion d i u o x X."""
    if conv in "di":
        sign = _sign(n < 0, flags)
        n = abs(n)
    else:
        sign = ""
        n &= _MASK64
    if conv == "x":
        digits = "%x" % n
    elif conv == "X":
        digits = "%X" % n
    elif conv == "o":
        digits = "%o" % n
    else:
        digits = "%d" % n
    if prec is not None:
        digits = "" if prec == 0 and n == 0 else digits.rjust(prec, "0")
    prefix = ""
    if "#" in flags:
        if conv == "o":
            if digits[:1] != "0":
                digits = "0" + digits
        elif conv in "xX" and n != 0:
            prefix = "0" + conv
    head = sign + prefix
    return _pad(head + digits, flags, width,
                len(head) if prec is None else None)


def _nonfinite(x, conv, flags, width):
    neg = math.copysign(1.0, x) < 0
    text = "nan" if x != x else "inf"
    if conv in "EGA":
        text = text.upper()
    return _pad(_sign(neg, flags) + text, flags, width)


def printf_float(x, conv, flags, width, prec):
    """C printf of a double with conversion e E f g G."""
    if x - x != 0.0:
        return _nonfinite(x, conv, flags, width)
    spec = "%" + flags
    if width is not None:
        spec += str(width)
    if prec is not None:
        spec += "." + str(prec)
    return (spec + conv) % x


def printf_hex(x, conv, flags, width, prec):
    """C printf (glibc) of a double with conversion a A."""
    if x - x != 0.0:
        return _nonfinite(x, conv, flags, width)
    sign = _sign(math.copysign(1.0, x) < 0, flags)
    x = abs(x)
    if x == 0.0:
        lead, frac, exp = 0, 0, 0
    elif x >= 2.2250738585072014e-308:          # normal
        m, e = math.frexp(x)
        lead = 1
        frac = int(math.ldexp(m, 53)) - (1 << 52)
        exp = e - 1
    else:                                       # subnormal
        lead = 0
        frac = int(math.ldexp(x, 1074))
        exp = -1022
    if prec is None:
        digits = ("%013x" % frac).rstrip("0")
    elif prec < 13:
        shift = (13 - prec) * 4
        whole = (lead << 52) | frac
        q, r = divmod(whole, 1 << shift)
        half = 1 << (shift - 1)
        if r > half or (r == half and q & 1):
            q += 1
        lead = q >> (prec * 4)
        q &= (1 << (prec * 4)) - 1
        digits = "%0*x" % (prec, q) if prec else ""
    else:
        digits = "%013x" % frac + "0" * (prec - 13)
    point = "." if digits or "#" in flags else ""
    body = "%s0x%x%s%sp%+d" % (sign, lead, point, digits, exp)
    if conv == "A":
        body = body.upper()
    return _pad(body, flags, width, len(sign) + 2)


def printf_str(s, flags, width, prec):
    if prec is not None:
        s = s[:prec]
    return _pad(s, flags, width)


_QUOTE_RX = re.compile('["\\\\\n\x00-\x09\x0b-\x1f\x7f]')


def _quote_char(m):
    c = m.group()
    if c in '"\\\n':
        return "\\" + c
    nxt = m.string[m.end():m.end() + 1]
    if "0" <= nxt <= "9" and nxt:
        return "\\%03d" % ord(c)
    return "\\%d" % ord(c)


def quote_string(s):
    """``addquoted``: ``s`` as a Lua string literal (Lua 5.3 style)."""
    if _QUOTE_RX.search(s) is None:
        return '"' + s + '"'
    return '"' + _QUOTE_RX.sub(_quote_char, s) + '"'


def _literal(v, argn):
    """``%q``'s ``addliteral``."""
    t = type(v)
    if t is str:
        return quote_string(v)
    if t is int:
        return "0x%x" % (v & _MASK64) if v == MININT else "%d" % v
    if t is float:
        return printf_hex(v, "a", "", None, None)
    if v is None or t is LuaBool:
        return _tostr(v)
    arg_error(argn, "format", "value has no literal form")


# --------------------------------------------------------------------------
# parsing

class _Item:
    """One conversion: flags, width, precision, conversion char, and the
    error (message) it raises when reached, if any."""
    __slots__ = ("flags", "width", "prec", "conv", "err", "plain")

    def __init__(self):
        self.flags = ""
        self.width = self.prec = None
        self.conv = ""
        self.err = None
        self.plain = False


def _errchar(c):
    """A char as ``lua_pushfstring``'s ``%c`` shows it in messages."""
    return c if " " <= c <= "~" else "<\\%d>" % ord(c)


def _isdigit(c):
    return "0" <= c <= "9"


def _parse(fmt):
    """The format as a list of literal strings and ``_Item``s (cut after the
    first item that raises)."""
    F = fmt + "\0"
    end = len(fmt)
    out = []
    lit = []
    i = 0
    while i < end:
        c = F[i]
        i += 1
        if c != "%":
            lit.append(c)
            continue
        if F[i] == "%":
            lit.append("%")
            i += 1
            continue
        if lit:
            out.append("".join(lit))
            lit = []
        it = _Item()
        out.append(it)
        p = i
        while F[p] != "\0" and F[p] in FLAGS:
            p += 1
        if p - i >= len(FLAGS) + 1:
            it.err = "invalid format (repeated flags)"
            return out
        it.flags = F[i:p]
        q = p
        if _isdigit(F[p]):
            p += 1
        if _isdigit(F[p]):
            p += 1
        if p > q:
            it.width = int(F[q:p])
        if F[p] == ".":
            p += 1
            q = p
            if _isdigit(F[p]):
                p += 1
            if _isdigit(F[p]):
                p += 1
            it.prec = int(F[q:p]) if p > q else 0
        if _isdigit(F[p]):
            it.err = "invalid format (width or precision too long)"
            return out
        it.plain = p == i
        it.conv = conv = F[p]
        i = p + 1
        if conv not in "cdiouxXaAeEfgGqs":
            it.err = "invalid option '%%%s' to 'format'" % _errchar(conv)
            return out
    if lit:
        out.append("".join(lit))
    return out


# --------------------------------------------------------------------------
# interpreter (any argument types)

def _convert(it, v, argn):
    conv = it.conv
    if conv == "s":
        s = _tostr(v)
        if it.plain:
            return s
        if "\0" in s:
            arg_error(argn, "format", "string contains zeros")
        if it.prec is None and len(s) >= 100:
            return s
        return printf_str(s, it.flags, it.width, it.prec)
    if conv in "diouxX":
        n = v if type(v) is int else check_int(v, argn, "format")
        return printf_int(n, conv, it.flags, it.width, it.prec)
    if conv in "eEfgG":
        x = check_num(v, argn, "format")
        return printf_float(float(x), conv, it.flags, it.width, it.prec)
    if conv in "aA":
        x = check_num(v, argn, "format")
        return printf_hex(float(x), conv, it.flags, it.width, it.prec)
    if conv == "c":
        n = v if type(v) is int else check_int(v, argn, "format")
        return printf_str(chr(n & 0xFF), it.flags, it.width, None)
    # 'q'
    return _literal(v, argn)


def _interpret(items, args):
    out = []
    nargs = len(args)
    argi = 0
    for it in items:
        if type(it) is str:
            out.append(it)
            continue
        argi += 1
        if argi > nargs:
            arg_error(argi + 1, "format", "no value")
        if it.err is not None:
            rt_error(it.err)
        out.append(_convert(it, args[argi - 1], argi + 1))
    return "".join(out)


# --------------------------------------------------------------------------
# generated fast paths

def _pad_expr(body, flags, width, zfill):
    """Source padding the string expression ``body`` to ``width`` as printf
    does (``zfill``: the '0' flag puts zeros after the sign)."""
    if width is None:
        return body
    if "-" in flags:
        return "(%s).ljust(%d)" % (body, width)
    if zfill and "0" in flags:
        return "(%s).zfill(%d)" % (body, width)
    return "(%s).rjust(%d)" % (body, width)


def _fast_item(it, a):
    """(guard, text, pct, pval) for item ``it`` taking argument ``a`` when
    the item has an exact Python form for the argument types ``guard``
    accepts, else None.  ``text``: an expression giving the item's text (or
    an int for a bare ``%d``: the f-string formats it) when that is cheap,
    None when it is not; ``pct``: the item's Python ``%`` spec, applied to
    the value ``pval`` (None: no such spec)."""
    conv, flags, width, prec = it.conv, it.flags, it.width, it.prec
    w = "" if width is None else str(width)
    p = "" if prec is None else "." + str(prec)
    if conv in "di":
        if prec is not None or "#" in flags:
            return None
        guard = "type(%s) is int" % a
        spec = "%" + flags + w + "d"
        if " " in flags and "0" in flags and "-" not in flags and width is not None:
            return guard, None, spec, a           # ' 0042': no zfill form
        if "+" in flags:
            body = "(_PLUS + str(%s) if %s >= 0 else str(%s))" % (a, a, a)
        elif " " in flags:
            body = "(_SPACE + str(%s) if %s >= 0 else str(%s))" % (a, a, a)
        elif width is None:
            return guard, a, spec, a
        else:
            body = "str(%s)" % a
        return guard, _pad_expr(body, flags, width, True), spec, a
    if conv in "uxXo":
        if prec is not None or "#" in flags:
            return None
        # '+' and ' ' do nothing to unsigned conversions; negative values
        # are shown as their two's complement
        spec = "%" + flags.replace("+", "").replace(" ", "") + w + (
            "d" if conv == "u" else conv)
        return ("type(%s) is int" % a, None, spec,
                "(%s if %s >= 0 else %s & _MASK)" % (a, a, a))
    if conv in "eEfgG":
        return ("(type(%s) is float and %s - %s == 0.0 or type(%s) is int)"
                % (a, a, a, a), None, "%" + flags + w + p + conv, a)
    if conv == "s":
        if it.plain:
            val = "(%s if type(%s) is str else _tostr(%s))" % (a, a, a)
            return "%s is not NOARG" % a, val, "%s", val
        body = a if prec is None else "%s[:%d]" % (a, prec)
        # flags other than '-' change nothing
        return ("type(%s) is str and _NUL not in %s" % (a, a),
                _pad_expr(body, flags, width, False),
                "%" + ("-" if "-" in flags else "") + w + p + "s", a)
    if conv == "c":
        # flags other than '-' and a precision change nothing
        val = "_chr(%s & 255)" % a
        return ("type(%s) is int" % a, _pad_expr(val, flags, width, False),
                "%" + ("-" if "-" in flags else "") + w + "s", val)
    if conv == "q":
        # flags and width are ignored by 5.3's %q; a string with nothing to
        # escape is only put between quotes (alphanumeric, or printable
        # without quote or backslash: C scans cheaper than the regex, which
        # decides for the rest)
        val = "_DQ + %s + _DQ" % a
        return ("type(%s) is str and (%s.isalnum() or %s.isprintable() and "
                "_DQ not in %s and _BS not in %s or _qspecial(%s) is None)"
                % (a, a, a, a, a, a), val, "%s", val)
    return None


def _strip(args):
    """``args`` without the trailing NOARGs that stand for absent arguments
    (parameters left at their default)."""
    n = len(args)
    while n and args[n - 1] is NOARG:
        n -= 1
    return args[:n]


# names the generated code reads (module globals: the code of ``format``
# runs with them)
_DQ, _BS, _NUL, _PLUS, _SPACE, _MASK = '"', "\\", "\0", "+", " ", _MASK64
_chr = chr
_qspecial = _QUOTE_RX.search


class _Subst(ast.NodeTransformer):
    """Replace the names of ``nodes`` (name -> expression) by the nodes."""

    def __init__(self, nodes):
        self.nodes = nodes

    def visit_Name(self, n):
        return self.nodes.get(n.id, n)


def _fast_code(items):
    """(guards, result, n) for a format: the source of the guards on the
    arguments ``a0`` .. ``a<n-1>`` and the expression (an ast node) giving
    the formatted text when they hold -- one f-string of the items' texts
    (the items without a cheap text each formatted with its own ``%``) or,
    when no item has a cheap text, one Python ``%``.  None when some item
    has no exact Python form."""
    guards = []
    fast = []
    for it in items:
        if type(it) is str:
            continue
        if it.err is not None:
            return None
        f = _fast_item(it, "a%d" % len(fast))
        if f is None:
            return None
        guards.append(f[0])
        fast.append(f)
    if not fast:
        return [], ast.Constant("".join(items)), 0
    if all(f[1] is None for f in fast):
        specs = iter(fast)
        pyfmt = "".join(p.replace("%", "%%") if type(p) is str else next(specs)[2]
                        for p in items)
        if len(fast) == 1 and pyfmt == fast[0][2]:
            expr = "%r %% %s" % (pyfmt, fast[0][3])
        else:
            expr = "%r %% (%s,)" % (pyfmt, ", ".join(f[3] for f in fast))
        return guards, ast.parse(expr, mode="eval").body, len(fast)
    values = []
    specs = iter(fast)
    n = 0
    for p in items:
        if type(p) is str:
            values.append(p)
            continue
        f = next(specs)
        n += 1
        if p.conv == "q":
            # the quotes join the f-string's texts
            values += ['"', ast.Name("a%d" % (n - 1), ast.Load()), '"']
            continue
        text = f[1] if f[1] is not None else "%r %% %s" % (f[2], f[3])
        values.append(ast.parse(text, mode="eval").body)
    joined = []
    for v in values:
        if type(v) is str:
            if joined and type(joined[-1]) is str:
                joined[-1] += v
            else:
                joined.append(v)
        else:
            joined.append(v)
    return guards, ast.JoinedStr([ast.Constant(v) if type(v) is str else
                                  ast.FormattedValue(v, -1, None) for v in joined]), len(fast)


def _build(src, results, ns, more=()):
    """Compile ``src`` with the names ``_R<k>_`` replaced by the expressions
    ``results[k]`` (and the names of ``more`` by their nodes); the namespace
    it ran in."""
    nodes = {"_R%d_" % k: r for k, r in enumerate(results)}
    nodes.update(more)
    tree = ast.fix_missing_locations(_Subst(nodes).visit(ast.parse(src)))
    exec(compile(tree, "<format>", "exec"), ns)
    return ns


def _make_fast(items, code):
    """The function formatting ``items`` (its fast code ``code``) from the
    arguments ``format`` passes it: always its NOARG-padded fixed ones."""
    guards, result, n = code
    # every such function takes _NFIXED arguments: format calls it with
    # exactly those when there are no more
    names = "".join("a%d=NOARG, " % k for k in range(max(n, _NFIXED)))
    src = ["def fast(%s*rest):" % names]
    if guards:
        src.append("    if %s:" % " and ".join(guards))
        src.append("        return _R0_")
        src.append("    return _interpret(ITEMS, _strip((%s) + rest))"
                   % "".join("a%d, " % k for k in range(max(n, _NFIXED))))
    else:
        src.append("    return _R0_")
    ns = dict(globals())
    ns["ITEMS"] = items
    return _build("\n".join(src), [result], ns)["fast"]


_CACHE = {}
_CACHE_MAX = 2048


def _compile(fmt):
    """The function of a format string (cached); a format that has a fast
    form becomes a candidate for ``format``'s own code (_HITS)."""
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
        _HITS.clear()
        _CODE.clear()
    items = _parse(fmt)
    code = _fast_code(items)
    if code is None:
        f = lambda *args: _interpret(items, _strip(args))
    else:
        f = _make_fast(items, code)
        if code[2] <= _NFIXED:
            _HITS[fmt] = _HOT_AFTER
            _CODE[fmt] = code
    _CACHE[fmt] = f
    return f


# --------------------------------------------------------------------------
# string.format itself
#
# ``format`` is one function whose code is generated: it starts with the
# guards and expressions of the hot format strings (up to _HOT_MAX), each
# selected by the identity of the string -- a constant of the calling code,
# so the same object at every call, and a constant in format's code too;
# past two of them, a set lookup first spares the other strings the chain
# -- and otherwise looks the string up in _CACHE and calls the function
# there.  A format with a fast form called _HOT_AFTER times through the
# lookup is added to the code: a call of a hot format is then one Python
# frame.  The function object never changes (the string library holds it),
# only its ``__code__``; its parameters, the same in every version, are the
# format and _NFIXED arguments defaulting to NOARG, then the rest.

_NFIXED = 6                 # arguments a hot format can use
_HOT_MAX = 8
_HOT_AFTER = 32
_HITS = {}                  # candidate format -> calls left before it is hot
_CODE = {}                  # candidate format -> its fast code
_HOT = []                   # (format object, fast code) in format's code
_HOTSET = set()             # their texts
_ROOM = True                # len(_HOT) < _HOT_MAX

_PARAMS = "".join(", a%d=NOARG" % k for k in range(_NFIXED))
_ARGS = ", ".join("a%d" % k for k in range(_NFIXED))
_TEMPLATE = """
def format(fmt=NOARG%s, *rest):
%s    f = _CACHE.get(fmt)
    if f is None:
        f = _first_call(fmt)
    elif _ROOM:
        n = _HITS.get(fmt)
        if n is not None:
            if n:
                _HITS[fmt] = n - 1
            else:
                _make_hot(fmt)
    if rest:
        return f(%s, *rest)
    return f(%s)
"""


def _format_code():
    """The code object of ``format`` for the current _HOT list."""
    chain = []
    nodes = []
    # past two hot formats, one set lookup spares the others the chain
    pad = "    " if len(_HOT) > 2 else ""
    if pad:
        chain.append("    if fmt in _HOTSET:\n")
    for k, (fmt, (guards, result, n)) in enumerate(_HOT):
        chain.append("%s    %s fmt is _K%d_:\n" % (pad, "elif" if k else "if", k))
        if guards:
            chain.append("%s        if %s:\n%s            return _R%d_\n"
                         % (pad, " and ".join(guards), pad, k))
        else:
            chain.append("%s        return _R%d_\n" % (pad, k))
        nodes.append(("_K%d_" % k, ast.Constant(fmt)))
    src = _TEMPLATE % (_PARAMS, "".join(chain), _ARGS, _ARGS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)     # 'is' with a literal
        ns = _build(src, [code[1] for _fmt, code in _HOT], dict(globals()), nodes)
    return ns["format"].__code__


def _first_call(fmt):
    """The function of a format string not in _CACHE (a string, or a number
    converted to one; anything else is refused)."""
    if type(fmt) is not str:
        fmt = check_str(fmt, 1, "format")
        return _CACHE.get(fmt) or _compile(fmt)
    return _compile(fmt)


def _make_hot(fmt):
    """Add ``fmt`` (this very object) to the code of ``format``.  The
    count starts again: another call site may pass another string object
    with the same text (or this one's guards may fail: then it is in the
    code already)."""
    global _ROOM
    _HITS[fmt] = _HOT_AFTER
    code = _CODE.get(fmt)
    if code is None or any(h[0] is fmt for h in _HOT) or len(_HOT) >= _HOT_MAX:
        return
    _HOT.append((fmt, code))
    _HOTSET.add(fmt)
    _ROOM = len(_HOT) < _HOT_MAX
    format.__code__ = _format_code()


def _reset_hot():
    """Forget the hot formats (format back to its first code)."""
    global _ROOM
    del _HOT[:]
    _HOTSET.clear()
    _HITS.clear()
    _CODE.clear()
    _CACHE.clear()
    _ROOM = True
    format.__code__ = _format_code()


def format(fmt=NOARG, *args):
    """``string.format(fmt, ...)`` (its code is replaced just below)."""


format.__defaults__ = (NOARG,) * (_NFIXED + 1)
format.__code__ = _format_code()
