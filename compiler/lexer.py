"""Lua 5.3 lexer (plus the token set of Wippy's typed dialect).

Input is the source as ``str`` decoded from bytes with latin-1, so one char is
one byte and columns are byte offsets.  ``tokenize`` returns a list of
``Token(kind, value, line, col)`` (a namedtuple; line 1-based, col 0-based)
that always ends with one ``eof`` token.

Token kinds:
  'name'    value: the identifier (``type``, ``as``, ``is``... are names too)
  'number'  value: int (wrapped to signed 64 bits) or float
  'string'  value: str whose chars are the string's bytes (escapes decoded)
  'eof'     value: None
  'error'   value: a LuaSyntaxError (only with ``tokenize(lazy_errors=True)``
            and from the dialect pass; always followed by eof)
  keyword   kind == value == the keyword ('and', 'local', 'goto', ...)
  symbol    kind == value == the symbol ('+', '..', '::', '//', '->', '?:',
            '!', '@', ...); any other stray char is a one-char token of its
            own kind, which the parser reports as an unexpected symbol.

Line breaks are counted as Lua counts them: ``\\n``, ``\\r``, ``\\r\\n`` and
``\\n\\r`` are one break each.  A first line starting with ``#`` is skipped.
Errors raise ``LuaSyntaxError`` worded as Lua's llex.c words them.

The hot loop is one compiled master regex; everything unusual (strings with
escapes, errors) leaves the fast path.
"""

import re
from collections import namedtuple

from .errors import LuaSyntaxError

__all__ = ["Token", "KEYWORDS", "tokenize", "near_text", "token_end",
           "token_end_line", "token_offset", "line_starts", "str2number",
           "LINEBREAK_RE"]

Token = namedtuple("Token", "kind value line col")
_mk = tuple.__new__

KEYWORDS = frozenset(
    "and break do else elseif end false for function goto if in local nil "
    "not or repeat return then true until while".split())

# One line break, as Lua's inclinenumber() consumes it.
LINEBREAK_RE = re.compile(r"\n\r?|\r\n?")

_MASTER = re.compile(r"""
[ \t\f\v]*
(?:
  (?P<name>[A-Za-z_][A-Za-z0-9_]*)
| (?P<nl>\n\r?|\r\n?)
| (?P<op>==|~=|<=|>=|<<|>>|//|::|->|\?:|\.\.\.|\.\.|\.(?![0-9])|-(?!-)
        |\[(?![\[=])|[+*/%^\#&~|<>=(){}\];:,?!@])
| (?P<num>\.?0[xX](?:[pP][-+]?|[0-9a-fA-F.])*[A-Za-z_]?
        |\.?[0-9](?:[eE][-+]?|[0-9a-fA-F.])*[A-Za-z_]?)
| (?P<str>"(?:[^"\\\r\n]++|\\z[\ \t\n\r\f\v]*+|\\(?:\r\n?|\n\r?|.))*+"
        |'(?:[^'\\\r\n]++|\\z[\ \t\n\r\f\v]*+|\\(?:\r\n?|\n\r?|.))*+')
| (?P<lcom>--\[(?P<ceq>=*)\[.*?\](?P=ceq)\])
| (?P<badlcom>--\[=*\[)
| (?P<com>--[^\r\n]*)
| (?P<lstr>\[(?P<seq>=*)\[.*?\](?P=seq)\])
| (?P<badlstr>\[=*\[)
| (?P<baddelim>\[=+)
| (?P<qstr>["'])
| (?P<eof>\Z)
| (?P<other>.)
)""", re.S | re.X)

_MAXINT = (1 << 63) - 1
_MASK = (1 << 64) - 1
_SIMPLE_ESC = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
               "t": "\t", "v": "\v", "\\": "\\", '"': '"', "'": "'"}
_HEX = frozenset("0123456789abcdefABCDEF")
_DIGITS = frozenset("0123456789")
_SPACE = frozenset(" \t\n\r\f\v")
_CHUNK_RE = {'"': re.compile(r'[^"\\\r\n]*'), "'": re.compile(r"[^'\\\r\n]*")}


def _error(chunkname, line, msg, near=None):
    raise LuaSyntaxError(chunkname, line, msg, near)


def _quote(text):
    return "'" + text + "'"


def str2number(text):
    """Convert a Lua numeral to int/float as Lua 5.3 does; None if malformed."""
    if text.isdigit():                       # common case: plain decimal int
        v = int(text)
        return v if v <= _MAXINT else float(text)
    low = text.lower()
    if low.startswith("0x"):
        body = low[2:]
        if body and all(c in _HEX for c in body):
            v = int(body, 16) & _MASK
            return v - (1 << 64) if v > _MAXINT else v
        if "." not in body and "p" not in body:
            return None
        try:
            return float.fromhex(text)
        except OverflowError:
            return float("inf")
        except ValueError:
            return None
    if not (text[0] in _DIGITS or text[0] == ".") or "_" in text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _count_lines(text, base, line, ls):
    """Advance (line, line_start) over the line breaks inside ``text``."""
    last = None
    for last in LINEBREAK_RE.finditer(text):
        line += 1
    if last is not None:
        ls = base + last.end()
    return line, ls


def _long_value(text, level):
    body = text[level + 2:len(text) - level - 2]
    if body[:1] in ("\n", "\r"):
        body = body[LINEBREAK_RE.match(body).end():]
    if "\r" in body:
        body = LINEBREAK_RE.sub("\n", body)
    return body


def _utf8(cp):
    """Encode a code point up to 2^31 as (extended) UTF-8 bytes, like Lua."""
    if cp < 0x80:
        return chr(cp)
    out = []
    mfb = 0x3F                                # max that fits in first byte
    while cp > mfb:
        out.append(chr(0x80 | (cp & 0x3F)))
        cp >>= 6
        mfb >>= 1
    out.append(chr(((~mfb << 1) & 0xFF) | cp))
    return "".join(reversed(out))


def _read_string(src, pos, line, ls, chunkname):
    """Read a short string whose delimiter is at ``pos`` (slow path).

    Returns (value, end, line, line_start).  Error texts reproduce what Lua
    keeps in its buffer: delimiter + decoded chars + the raw escape so far.
    """
    delim = src[pos]
    chunk = _CHUNK_RE[delim].match
    n = len(src)
    buf = []
    pos += 1
    while True:
        m = chunk(src, pos)
        buf.append(m.group())
        pos = m.end()
        c = src[pos] if pos < n else ""
        if c == delim:
            return "".join(buf), pos + 1, line, ls
        if c == "":
            _error(chunkname, line, "unfinished string", "<eof>")
        if c != "\\":                        # raw line break
            _error(chunkname, line, "unfinished string", _quote(delim + "".join(buf)))
        # escape sequence
        pos += 1
        c = src[pos] if pos < n else ""
        seen = delim + "".join(buf) + "\\"

        def esc_error(msg, raw, at):
            nxt = src[at] if at < n else ""
            _error(chunkname, line, msg, _quote(seen + raw + nxt))

        if c in _SIMPLE_ESC:
            buf.append(_SIMPLE_ESC[c])
            pos += 1
        elif c == "\n" or c == "\r":
            end = LINEBREAK_RE.match(src, pos).end()
            buf.append("\n")
            line += 1
            ls = pos = end
        elif c == "x":
            h = src[pos + 1:pos + 3]
            for i in range(2):
                if i >= len(h) or h[i] not in _HEX:
                    esc_error("hexadecimal digit expected", "x" + h[:i], pos + 1 + i)
            buf.append(chr(int(h, 16)))
            pos += 3
        elif c == "z":
            pos += 1
            while pos < n and src[pos] in _SPACE:
                if src[pos] in "\r\n":
                    pos = LINEBREAK_RE.match(src, pos).end()
                    line += 1
                    ls = pos
                else:
                    pos += 1
        elif c == "u":
            if pos + 1 >= n or src[pos + 1] != "{":
                esc_error("missing '{'", "u", pos + 1)
            q = pos + 2
            if q >= n or src[q] not in _HEX:
                esc_error("hexadecimal digit expected", "u{", q)
            r = 0
            while q < n and src[q] in _HEX:
                r = (r << 4) + int(src[q], 16)
                if r > 0x7FFFFFFF:
                    esc_error("UTF-8 value too large", src[pos:q], q)
                q += 1
            if q >= n or src[q] != "}":
                esc_error("missing '}'", src[pos:q], q)
            buf.append(_utf8(r))
            pos = q + 1
        elif c == "":
            continue                         # reported as unfinished next turn
        elif c in _DIGITS:
            q = pos
            while q < n and q < pos + 3 and src[q] in _DIGITS:
                q += 1
            r = int(src[pos:q])
            if r > 255:
                esc_error("decimal escape too large", src[pos:q], q)
            buf.append(chr(r))
            pos = q
        else:
            esc_error("invalid escape sequence", "", pos)


def tokenize(source, chunkname="?", lazy_errors=False):
    """Split Lua source (a latin-1 decoded str) into a list of Tokens.

    A lexical error raises ``LuaSyntaxError``; with ``lazy_errors`` the list
    instead ends with ``Token('error', exc, line, col)`` and an eof token, so
    that the parser raises it only when it reaches that point (Lua's lexer is
    driven by its parser: an earlier syntax error is reported first).
    """
    toks = []
    try:
        _scan(source, chunkname, toks)
    except LuaSyntaxError as exc:
        if not lazy_errors:
            raise
        col = max(exc.col, 0)
        toks.append(_mk(Token, ("error", exc, exc.line, col)))
        toks.append(_mk(Token, ("eof", None, exc.line, col)))
    return toks


def _scan(source, chunkname, toks):
    append = toks.append
    keywords = KEYWORDS
    line = 1
    ls = 0                                    # offset where the line starts
    pos = 0
    if source.startswith("\xef\xbb\xbf"):    # UTF-8 BOM, skipped like luaL_loadfile
        pos = 3
    if source.startswith("#", pos):          # shebang line; keep its newline
        nl = source.find("\n", pos)
        pos = len(source) if nl < 0 else nl
    for m in _MASTER.finditer(source, pos):
        g = m.lastgroup
        if g == "name":
            text = m.group(1)
            if text in keywords:
                append(_mk(Token, (text, text, line, m.start(1) - ls)))
            else:
                append(_mk(Token, ("name", text, line, m.start(1) - ls)))
        elif g == "op":
            text = m.group(3)
            append(_mk(Token, (text, text, line, m.start(3) - ls)))
        elif g == "nl":
            ls = m.end()
            line += 1
        elif g == "num":
            text = m.group(4)
            value = str2number(text)
            if value is None:
                _error(chunkname, line, "malformed number", _quote(text))
            append(_mk(Token, ("number", value, line, m.start(4) - ls)))
        elif g == "str":
            s, e = m.span(5)
            if source.find("\\", s, e) < 0:
                append(_mk(Token, ("string", source[s + 1:e - 1], line, s - ls)))
            else:                              # escapes: decode (and validate)
                value, _, nline, nls = _read_string(source, s, line, ls, chunkname)
                append(_mk(Token, ("string", value, line, s - ls)))
                line, ls = nline, nls
        elif g == "com":
            pass
        elif g == "eof":
            append(_mk(Token, ("eof", None, line, m.start(g) - ls)))
            return
        elif g == "lstr" or g == "lcom":
            s = m.start(g)
            text = m.group(g)
            if g == "lstr":
                level = len(m.group("seq"))
                append(_mk(Token, ("string", _long_value(text, level), line, s - ls)))
            line, ls = _count_lines(text, s, line, ls)
        elif g == "qstr":                      # a string the 'str' rule rejects
            _read_string(source, m.start(g), line, ls, chunkname)
            raise AssertionError("unreachable: _read_string must fail here")
        elif g == "badlstr" or g == "badlcom":
            what = "string" if g == "badlstr" else "comment"
            start_line = line
            line, ls = _count_lines(source[m.start(g):], m.start(g), line, ls)
            _error(chunkname, line,
                   f"unfinished long {what} (starting at line {start_line})", "<eof>")
        elif g == "baddelim":
            _error(chunkname, line, "invalid long string delimiter", _quote(m.group(g)))
        else:                                  # 'other': a stray character
            text = m.group(g)
            append(_mk(Token, (text, text, line, m.start(g) - ls)))
    raise AssertionError("unreachable: the master regex always ends with eof")


# ----- helpers for error messages and position-preserving rewrites ---------

def line_starts(source):
    """Offsets at which each line starts (index 0 is line 1)."""
    return [0] + [m.end() for m in LINEBREAK_RE.finditer(source)]


def token_offset(starts, tok):
    """Absolute offset of a token given ``line_starts(source)``."""
    return starts[tok[2] - 1] + tok[3]


def token_end(source, offset):
    """Offset just past the token starting at ``offset`` (which must be a
    token start, as produced by ``tokenize``)."""
    m = _MASTER.match(source, offset)
    g = m.lastgroup
    if g == "qstr":
        return _read_string(source, offset, 1, 0, "?")[1]
    return m.end()


def token_end_line(tok, source=None, starts=None):
    """The line where a token ends (Lua reports errors at that line); differs
    from ``tok.line`` only for strings spanning lines."""
    if tok[0] != "string" or source is None:
        return tok[2]
    off = token_offset(starts or line_starts(source), tok)
    text = source[off:token_end(source, off)]
    return tok[2] + sum(1 for _ in LINEBREAK_RE.finditer(text))


def _char_text(c):
    if " " < c < "\x7f":
        return _quote(c)
    return "'<\\%d>'" % ord(c)


def near_text(tok, source=None, starts=None):
    """The ``near`` text Lua prints for a token: ``'x'`` or ``<eof>``."""
    kind, value = tok[0], tok[1]
    if kind == "eof":
        return "<eof>"
    if kind == "typedecl":
        return "'type'"
    if kind == "string":
        if source is not None:
            off = token_offset(starts or line_starts(source), tok)
            c = source[off]
            if c == "[":
                level = source.count("=", off, source.index("[", off + 1))
                eq = "=" * level
                return _quote("[" + eq + "[" + value + "]" + eq + "]")
            return _quote(c + value + c)
        return _quote('"' + value + '"')
    if kind == "number":
        if source is not None:
            off = token_offset(starts or line_starts(source), tok)
            return _quote(source[off:token_end(source, off)])
        if isinstance(value, float):
            text = "%.14g" % value
            if text.lstrip("-").isdigit():
                text += ".0"
            return _quote(text)
        return _quote(str(value))
    if len(kind) == 1 and not ("!" <= kind <= "~"):
        return _char_text(kind)
    return _quote(str(value))
