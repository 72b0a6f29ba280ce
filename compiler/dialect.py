"""Wippy's typed Lua dialect, removed at the token level.

``strip(tokens)`` takes the lexer's token list and returns a new list with
every piece of type syntax removed; the remaining tokens are the very same
objects, so their line/col never change.  What is removed (the grammar of
wippyai/go-lua, Wippy's Lua VM, as summarised in the design notes'
lua-dialect.md):

* annotations: ``local x: T, y: U``; parameters ``(a: T, ...: T)``; return
  types ``): T``, ``): T1, T2``, ``): (T1, T2)``, ``): ()``; generic
  parameters ``function f<T, U: C>(...)``;
* ``type Name[<T>] = T`` and ``interface Name ... end`` statements, each
  replaced by one synthetic ``Token('typedecl', Name, ...)`` at the position of
  ``type``/``interface`` (the parser makes it a ``TypeDecl``);
* casts ``expr :: T`` (a ``::`` followed on the same line by ``NAME ::`` is a
  label instead) and ``expr as T``; the postfix non-nil assertion ``expr!``.

A type is known to begin from the preceding tokens (after ``local NAME``, a
parameter name, the ``)`` that closes a parameter list, ``::``, ``as``), and
is then consumed by a small recursive parser (``_type``).  ``type``, ``as``
and the other dialect words are contextual: ``type(x)``, ``t.as``,
``{is = 1}`` and ``local type = 1`` stay plain Lua.  A closing ``>>`` or
``>=`` after a generic is split; the part that remains (``>`` or ``=``)
becomes a synthetic token at its true column.

A malformed type does not raise at once: the list is cut there and ends
with ``Token('error', LuaSyntaxError, ...)`` and eof, which the parser raises
when it gets there, so that an earlier syntax error is reported first.

``strip_types(source)`` returns the source with type syntax blanked by spaces
(line breaks kept): a debugging aid and the proof that positions are kept.
"""

from .errors import LuaSyntaxError
from .lexer import (Token, line_starts, near_text, token_end, token_end_line, token_offset,
                    tokenize)
from .limits import MAX_LEVELS, recursion_headroom

__all__ = ["strip", "strip_types"]

_mk = tuple.__new__

# Tokens that can end an expression (so a following ``as`` is a cast and a
# following ``type``/``interface`` starts a new statement).
_EXPR_END = frozenset(["name", "number", "string", ")", "]", "}", "nil", "true",
                       "false", "...", "end", "!"])
_STMT_PREV = _EXPR_END | frozenset([";", "do", "then", "else", "repeat", "break",
                                    "typedecl"])
# Tokens that can start a type (after ``as``).
_TYPE_START = frozenset(["name", "nil", "true", "false", "string", "number",
                         "{", "("])
_TRIGGERS = frozenset(["function", "local", "::", "!", "as", "type", "interface"])


class _Stripper:
    def __init__(self, tokens, chunkname, source):
        self.toks = list(tokens)
        self.chunkname = chunkname
        self.source = source
        self.depth = 0

    # ----- errors ------------------------------------------------------------
    def error(self, j, msg):
        tok = self.toks[j]
        if tok[0] == "error":                 # a lexical error comes first
            raise tok[1]
        starts = line_starts(self.source) if self.source is not None else None
        raise LuaSyntaxError(self.chunkname, token_end_line(tok, self.source, starts), msg,
                             near_text(tok, self.source, starts), tok[3])

    def expect(self, j, kind):
        if self.toks[j][0] != kind:
            self.error(j, f"'{kind}' expected")
        return j + 1

    def name(self, j):
        if self.toks[j][0] != "name":
            self.error(j, "<name> expected")
        return j + 1

    # ----- driver ------------------------------------------------------------
    def run(self):
        toks = self.toks
        triggers = [i for i, t in enumerate(toks) if t[1] in _TRIGGERS]
        if not triggers:
            return toks
        out = self.out = []
        pos = 0
        try:
            for i in triggers:
                if i < pos:
                    continue
                out.extend(toks[pos:i])
                pos = self.trigger(i)
        except LuaSyntaxError as exc:
            # Stop here; the parser raises this when it reaches it, unless it
            # finds an error in the tokens before (Lua reports the first one).
            col = max(exc.col, 0)
            out.append(_mk(Token, ("error", exc, exc.line, col)))
            out.append(_mk(Token, ("eof", None, exc.line, col)))
            return out
        out.extend(toks[pos:])
        return out

    def trigger(self, i):
        """Handle the token at ``i``; return the index to continue from."""
        toks = self.toks
        tok = toks[i]
        kind = tok[0]
        if kind == "function":
            return self.function(i)
        if kind == "local":
            return self.local(i)
        if kind == "::":
            return self.double_colon(i)
        if kind == "!":
            return i + 1
        if kind == "name":
            value = tok[1]
            prev = toks[i - 1][0] if i else ";"
            nxt = toks[i + 1][0]
            if value == "as":
                if prev in _EXPR_END and nxt in _TYPE_START:
                    return self._type(i + 1)
            elif (nxt == "name" and self.at_statement_start(i)
                  and (value == "interface" or toks[i + 2][0] in ("=", "<"))):
                if value == "type":
                    j = self.type_params(i + 2) if toks[i + 2][0] == "<" else i + 2
                    j = self._type(self.expect(j, "="))
                else:
                    j = self.interface(i + 1)
                self.out.append(_mk(Token, ("typedecl", toks[i + 1][1], tok[2], tok[3])))
                return j
        self.out.append(tok)
        return i + 1

    def at_statement_start(self, i):
        if i == 0:
            return True
        toks = self.toks
        prev = toks[i - 1][0]
        if prev in _STMT_PREV:
            return True
        # the closing '::' of a label
        return (prev == "::" and i >= 3 and toks[i - 2][0] == "name"
                and toks[i - 3][0] == "::")

    # ----- statements / expressions carrying types ---------------------------
    def function(self, i):
        """``function [name{.name}[:name]] [<T>] (params) [: types]``."""
        toks = self.toks
        out = self.out
        out.append(toks[i])
        j = i + 1
        if toks[j][0] == "name":
            out.append(toks[j])
            j += 1
            while toks[j][0] in (".", ":") and toks[j + 1][0] == "name":
                out.append(toks[j])
                out.append(toks[j + 1])
                j += 2
        if toks[j][0] == "<":
            j = self.type_params(j)
        if toks[j][0] != "(":
            return j
        out.append(toks[j])
        j += 1
        while True:
            k = toks[j][0]
            if k != "name" and k != "...":
                break
            out.append(toks[j])
            j += 1
            if toks[j][0] == ":":
                j = self._type(j + 1)
            if toks[j][0] != ",":
                break
            out.append(toks[j])
            j += 1
        if toks[j][0] != ")":
            return j
        out.append(toks[j])
        j += 1
        if toks[j][0] == ":":
            j = self.type_list(j + 1)
        return j

    def local(self, i):
        """``local name [<attrib>] [: T] {, ...}`` (or ``local function``)."""
        toks = self.toks
        out = self.out
        out.append(toks[i])
        j = i + 1
        if toks[j][0] == "function":
            return self.function(j)
        while toks[j][0] == "name":
            out.append(toks[j])
            j += 1
            if self.is_attrib(j):
                out.extend(toks[j:j + 3])
                j += 3
            if toks[j][0] == ":":
                j = self._type(j + 1)
                if self.is_attrib(j):
                    out.extend(toks[j:j + 3])
                    j += 3
            if toks[j][0] != ",":
                break
            out.append(toks[j])
            j += 1
        return j

    def is_attrib(self, j):
        toks = self.toks
        return (toks[j][0] == "<" and toks[j + 1][0] == "name"
                and toks[j + 2][0] == ">" and toks[j + 1][1] in ("const", "close"))

    def double_colon(self, i):
        """A label ``::name::`` is kept; otherwise ``:: T`` is a cast."""
        toks = self.toks
        tok, name = toks[i], toks[i + 1]
        is_label = name[0] == "name" and toks[i + 2][0] == "::"
        if not (i and toks[i - 1][0] in _EXPR_END):     # no expression to cast
            if is_label:
                self.out.extend(toks[i:i + 3])
                return i + 3
            self.out.append(tok)                        # let the parser complain
            return i + 1
        if is_label and tok[2] == name[2] == toks[i + 2][2]:
            self.out.extend(toks[i:i + 3])
            return i + 3
        return self._type(i + 1)

    def interface(self, j):
        """Skip ``Name [: A, B] {function m(params): R} end`` after 'interface'."""
        toks = self.toks
        j = self.name(j)
        if toks[j][0] == ":":
            j = self.name(j + 1)
            while toks[j][0] == ",":
                j = self.name(j + 1)
        while toks[j][0] == "function":
            j = self.expect(self.name(j + 1), "(")
            while toks[j][0] in ("name", "..."):
                j += 1
                if toks[j][0] == ":":
                    j = self._type(j + 1)
                if toks[j][0] != ",":
                    break
                j += 1
            j = self.expect(j, ")")
            if toks[j][0] == ":":
                j = self.type_list(j + 1)
        return self.expect(j, "end")

    # ----- types -------------------------------------------------------------
    def type_params(self, j):
        """``<T, U: C>`` generic parameters."""
        j += 1
        while True:
            j = self.name(j)
            if self.toks[j][0] == ":":
                j = self._type(j + 1)
            if self.toks[j][0] != ",":
                break
            j += 1
        return self.close_angle(j)

    def close_angle(self, j):
        """Consume a '>' that closes generics, splitting '>>' and '>='."""
        toks = self.toks
        tok = toks[j]
        k = tok[0]
        if k == ">":
            return j + 1
        if k in (">>", ">="):
            rest = k[1]
            toks[j] = _mk(Token, (rest, rest, tok[2], tok[3] + 1))
            return j
        self.error(j, "'>' expected")

    def type_list(self, j):
        """``T {, T}`` (return annotations)."""
        j = self._type(j)
        while self.toks[j][0] == ",":
            j = self._type(j + 1)
        return j

    def _type(self, j):
        """typeexpr: simple {('|'|'&') simple} [extends simple '?' T ':' T]."""
        self.depth += 1
        if self.depth > MAX_LEVELS:
            self.error(j, "chunk has too many syntax levels")
        toks = self.toks
        j = self.simple(j)
        while toks[j][0] in ("|", "&"):
            j = self.simple(j + 1)
        if toks[j][0] == "name" and toks[j][1] == "extends":
            j = self.simple(j + 1, conditional=True)
            j = self._type(self.expect(j, "?"))
            j = self._type(self.expect(j, ":"))
        self.depth -= 1
        return j

    def simple(self, j, conditional=False):
        """primary followed by postfixes: ``?``, ``[]``, ``[K]``, ``@v(...)``.

        In ``A extends B ? X : Y`` (``conditional``) the last ``?`` after B
        belongs to the conditional type, not to B.
        """
        toks = self.toks
        j = self.primary(j)
        while True:
            k = toks[j][0]
            if k == "?":
                if conditional and toks[j + 1][0] != "?":
                    return j
                j += 1
            elif k == "[":
                if toks[j + 1][0] == "]":
                    j += 2
                else:
                    j = self.expect(self._type(j + 1), "]")
            elif k == "@":
                j = self.name(j + 1)
                if toks[j][0] == "(":
                    j = self.balanced(j)
            else:
                return j

    def primary(self, j):
        toks = self.toks
        tok = toks[j]
        k = tok[0]
        if k == "name":
            v = tok[1]
            nk = toks[j + 1][0]
            if v == "typeof" and nk == "(":
                return self.balanced(j + 1)
            if v == "keyof" and nk == "(":
                return self.expect(self._type(j + 2), ")")
            if v == "fun" and nk == "(":
                j = self.params(j + 1)
                if toks[j][0] == ":":
                    j = self._type(j + 1)
                return j
            if v in ("readonly", "interface") and nk == "{":
                return self.braces(j + 1)
            if v == "asserts" and nk == "name":
                j += 2
                if toks[j][0] == "name" and toks[j][1] == "is":
                    j = self._type(j + 1)
                return j
            j += 1
            while toks[j][0] == "." and toks[j + 1][0] == "name":
                j += 2
            if toks[j][0] == "<" and not self.is_attrib(j):
                j += 1
                j = self._type(j)
                while toks[j][0] == ",":
                    j = self._type(j + 1)
                j = self.close_angle(j)
            return j
        if k in ("nil", "true", "false", "string", "number"):
            return j + 1
        if k == "-" and toks[j + 1][0] == "number":        # negative literal type
            return j + 2
        if k == "...":                                     # variadic ...T
            return self._type(j + 1) if toks[j + 1][0] in _TYPE_START else j + 1
        if k == "{":
            return self.braces(j)
        if k == "(":
            j = self.params(j)
            if toks[j][0] == "->":
                j = self._type(j + 1)
            return j
        self.error(j, "unexpected symbol")

    def params(self, j):
        """``( [name:] T, ..., ...T )``: function-type parameters or a tuple."""
        toks = self.toks
        j += 1
        while toks[j][0] != ")":
            k = toks[j][0]
            if k == "...":
                j += 1
                if toks[j][0] == ":":
                    j += 1
                if toks[j][0] not in (",", ")"):
                    j = self._type(j)
            elif k == "name" and toks[j + 1][0] == ":":
                j = self._type(j + 2)
            else:
                j = self._type(j)
            if toks[j][0] != ",":
                break
            j += 1
        return self.expect(j, ")")

    def braces(self, j):
        """``{}``, ``{T}``, ``{[K]: V}``, ``{name: T, name?: T, ...}``."""
        toks = self.toks
        j += 1
        while toks[j][0] != "}":
            k = toks[j][0]
            if k == "[":
                j = self.expect(self._type(j + 1), "]")
                j = self._type(self.expect(j, ":"))
            elif k == "name" and toks[j + 1][0] in (":", "?:"):
                j = self._type(j + 2)
            elif k == "name" and toks[j + 1][0] == "?" and toks[j + 2][0] == ":":
                j = self._type(j + 3)
            else:
                j = self._type(j)
            if toks[j][0] not in (",", ";"):
                break
            j += 1
        return self.expect(j, "}")

    def balanced(self, j):
        """Skip from a '(' to its matching ')' (expression arguments)."""
        toks = self.toks
        depth = 0
        while True:
            k = toks[j][0]
            if k == "(":
                depth += 1
            elif k == ")":
                depth -= 1
                if depth == 0:
                    return j + 1
            elif k == "eof" or k == "error":
                self.error(j, "')' expected")
            j += 1


def strip(tokens, chunkname="?", source=None):
    """Return ``tokens`` without type syntax (see the module docstring).

    ``source`` is only used to word error messages exactly like Lua.
    """
    with recursion_headroom():
        return _Stripper(tokens, chunkname, source).run()


def strip_types(source, chunkname="?"):
    """Source text with every piece of type syntax replaced by spaces.

    Line breaks inside removed syntax are kept, so every remaining token stays
    at its line and column.  Type statements are blanked entirely.
    """
    tokens = tokenize(source, chunkname)
    kept = strip(tokens, chunkname, source)
    if len(kept) > 1 and kept[-2][0] == "error":
        raise kept[-2][1]
    starts = line_starts(source)
    original = {(t[2], t[3]) for t in tokens}
    kept_pos = {(t[2], t[3]) for t in kept if t[0] != "typedecl"}
    chars = list(source)
    for tok in tokens:
        if tok[0] == "eof" or (tok[2], tok[3]) in kept_pos:
            continue
        start = token_offset(starts, tok)
        for p in range(start, token_end(source, start)):
            if chars[p] not in "\r\n":
                chars[p] = " "
    for tok in kept:                         # synthetic halves of '>>' / '>='
        if (tok[2], tok[3]) not in original:
            off = token_offset(starts, tok)
            chars[off] = source[off]
    return "".join(chars)
