"""Lua 5.3 patterns: ``string.find``, ``match``, ``gmatch`` and ``gsub``.

Semantics follow ``lstrlib.c`` of Lua 5.3.6 exactly, including its laziness:
a malformed pattern raises only when the matcher actually reaches the bad
item (``("abc"):find("x[")`` is nil, ``("xbc"):find("x[")`` is an error).

Every pattern is compiled once (cached by pattern string) by ``_parse``, which
walks the pattern the way C's ``match`` does.  Because Lua patterns have no
alternation, the state C checks at run time is known statically at each
pattern position: which captures are open or closed (so back-reference,
``)`` and capture-count errors are fixed), and an upper bound of the
``match`` recursion depth.  The parse yields a list of items, cut at the
first item whose evaluation raises (an ``err`` item).  Then one of three
back ends runs the items:

1. *plain*: no special character at all -- ``str.find`` / ``str.replace``;
2. *regex*: no ``err`` item, no ``%b`` and at most 199 recursive items (so
   "pattern too complex" cannot happen) -- translated to a Python ``re``
   regex.  That is exact: both engines are backtracking matchers trying the
   alternatives of ``* + - ?`` on single characters in the same order and
   returning the first success; character classes are expanded to explicit
   byte sets (C locale), ``$`` becomes ``\\Z``, ``%f`` two look-arounds, a
   back-reference ``(?:\\N)`` (or a failure when it names a position
   capture, which never matches in Lua).  Python's ``re.sub``/``finditer``
   handle empty matches differently from Lua, so they are used only for
   patterns that cannot match the empty string; otherwise the loops below
   drive ``search`` the way ``gsub``/``gmatch`` drive ``match`` in C;
3. *closures*: everything else (``%b``, lazy errors, deep patterns) is
   compiled into a chain of Python closures mirroring ``match``/
   ``max_expand``/``min_expand`` one to one, with C's ``matchdepth``
   accounting when the pattern is deep enough to need it.

``gsub`` with a template, a plain table or a function on a regex pattern
that cannot match the empty string works on one ``re.split`` of the subject
(``_split``): no ``re.sub`` callback and no match objects.  A ``gmatch``
iterator over such a pattern steps a C-level iterator: a ``map`` over
``finditer`` for the first matches, then one ``findall`` for the rest.

Results follow the runtime's calling convention: several values are a
tuple, ``find``/``match`` give ``None`` (nil) when nothing matches, position
captures are integers.
"""

import operator
import re
from itertools import chain, islice, repeat

from .errors import arg_error, rt_error
from .strargs import NOARG, check_int, check_str
from .values import FALSE, TABLE_TYPES, LuaTable, lua_type, tostring

__all__ = ["find", "match", "gmatch", "gsub"]

MAXCAPTURES = 32
MAXCCALLS = 200
SPECIALS = "^$*+?.([%-"

_UNF = -1           # capture length while the capture is open
_POS = -2           # capture length of a position capture
_K_STR, _K_POS, _K_UNF = 0, 1, 2    # capture kinds at the end of a pattern

_HAS_SPECIAL = re.compile(r"[\^$*+?.(\[%-]").search

# --------------------------------------------------------------------------
# character classes (C locale)

_ALL = frozenset(range(256))


def _rng(a, b):
    return set(range(a, b + 1))


_ALPHA = _rng(65, 90) | _rng(97, 122)
_DIGIT = _rng(48, 57)
_GRAPH = _rng(33, 126)
_CLASSES = {
    "a": frozenset(_ALPHA),
    "c": frozenset(_rng(0, 31) | {127}),
    "d": frozenset(_DIGIT),
    "g": frozenset(_GRAPH),
    "l": frozenset(_rng(97, 122)),
    "p": frozenset(_GRAPH - _ALPHA - _DIGIT),
    "s": frozenset(_rng(9, 13) | {32}),
    "u": frozenset(_rng(65, 90)),
    "w": frozenset(_ALPHA | _DIGIT),
    "x": frozenset(_DIGIT | _rng(65, 70) | _rng(97, 102)),
    "z": frozenset({0}),      # deprecated in 5.2, still accepted by 5.3
}


def _class_set(cl):
    """Bytes matched by ``%cl`` (``match_class``)."""
    low = cl.lower() if "A" <= cl <= "Z" else cl
    base = _CLASSES.get(low)
    if base is None:
        return frozenset((ord(cl),))
    return base if "a" <= cl <= "z" else _ALL - base


class _PatError(Exception):
    pass


def _classend(P, p, pend):
    """Index just past the single-character class starting at ``p``."""
    c = P[p]
    p += 1
    if c == "%":
        if p == pend:
            raise _PatError("malformed pattern (ends with '%')")
        return p + 1
    if c == "[":
        if P[p] == "^":
            p += 1
        while True:                     # look for a ']'
            if p == pend:
                raise _PatError("malformed pattern (missing ']')")
            c = P[p]
            p += 1
            if c == "%" and p < pend:
                p += 1                  # skip escapes (e.g. '%]')
            if P[p] == "]":
                return p + 1
    return p


def _bracket_set(P, p, ec):
    """Bytes matched by the set ``P[p:ec+1]`` (``matchbracketclass``)."""
    neg = False
    if P[p + 1] == "^":
        neg = True
        p += 1
    acc = set()
    p += 1
    while p < ec:
        c = P[p]
        if c == "%":
            p += 1
            acc |= _class_set(P[p])
        elif P[p + 1] == "-" and p + 2 < ec:
            acc |= _rng(ord(c), ord(P[p + 2]))
            p += 2
        else:
            acc.add(ord(c))
        p += 1
    return _ALL - acc if neg else frozenset(acc)


def _single_set(P, p, ep):
    c = P[p]
    if c == ".":
        return _ALL
    if c == "%":
        return _class_set(P[p + 1])
    if c == "[":
        return _bracket_set(P, p, ep - 1)
    return frozenset((ord(c),))


# --------------------------------------------------------------------------
# parsing

class _Parsed:
    __slots__ = ("items", "error", "ncap", "kinds", "depth", "has_bal",
                 "minlen")


def _parse(pat):
    """Walk ``pat`` like C's ``match`` and return a ``_Parsed``.

    Items: ('open', l) ('pos', l) ('close', l) ('end',) ('bal', b, e)
    ('front', set) ('bref', l, is_position) ('single', set, suffix)
    ('err', message) -- an err item is always the last one."""
    P = pat + "\0"          # C strings are NUL terminated: reads at p_end see '\0'
    pend = len(pat)
    items = []
    caps = []               # static capture lengths: _UNF, _POS or 0 (closed)
    capmin = []             # minimum length of each closed capture
    capacc = []             # running min length where each capture opened
    depth = 0               # recursive items (bound for matchdepth)
    minlen = 0
    has_bal = False
    error = None
    i = 0
    try:
        while i < pend:
            c = P[i]
            if c == "(":
                if len(caps) >= MAXCAPTURES:
                    raise _PatError("too many captures")
                depth += 1
                capacc.append(minlen)
                capmin.append(0)
                if P[i + 1] == ")":
                    items.append(("pos", len(caps)))
                    caps.append(_POS)
                    i += 2
                else:
                    items.append(("open", len(caps)))
                    caps.append(_UNF)
                    i += 1
                continue
            if c == ")":
                for l in range(len(caps) - 1, -1, -1):
                    if caps[l] == _UNF:
                        break
                else:
                    raise _PatError("invalid pattern capture")
                caps[l] = 0
                capmin[l] = minlen - capacc[l]
                depth += 1
                items.append(("close", l))
                i += 1
                continue
            if c == "$" and i + 1 == pend:
                items.append(("end",))
                i += 1
                continue
            if c == "%":
                d = P[i + 1]
                if d == "b":
                    if i + 2 >= pend - 1:
                        raise _PatError(
                            "malformed pattern (missing arguments to '%b')")
                    items.append(("bal", P[i + 2], P[i + 3]))
                    has_bal = True
                    minlen += 2
                    i += 4
                    continue
                if d == "f":
                    i += 2
                    if P[i] != "[":
                        raise _PatError("missing '[' after '%f' in pattern")
                    ep = _classend(P, i, pend)
                    items.append(("front", _bracket_set(P, i, ep - 1)))
                    i = ep
                    continue
                if "0" <= d <= "9":
                    l = ord(d) - ord("1")
                    if l < 0 or l >= len(caps) or caps[l] == _UNF:
                        raise _PatError("invalid capture index %%%d" % (l + 1))
                    isp = caps[l] == _POS
                    items.append(("bref", l, isp))
                    if not isp:
                        minlen += capmin[l]
                    i += 2
                    continue
            ep = _classend(P, i, pend)
            cset = _single_set(P, i, ep)
            suf = P[ep]
            if suf in "*+-?" and ep < pend:
                items.append(("single", cset, suf))
                depth += 1
                if suf == "+":
                    minlen += 1
                i = ep + 1
            else:
                items.append(("single", cset, ""))
                minlen += 1
                i = ep
    except _PatError as e:
        items.append(("err", e.args[0]))
        error = e.args[0]
    r = _Parsed()
    r.items = items
    r.error = error
    r.ncap = len(caps)
    r.kinds = tuple(_K_UNF if k == _UNF else _K_POS if k == _POS else _K_STR
                    for k in caps)
    r.depth = depth
    r.has_bal = has_bal
    r.minlen = minlen
    return r


# --------------------------------------------------------------------------
# back end 2: Python regular expressions

def _esc(b):
    return "\\x%02x" % b


def _ranges(bs):
    out = []
    bs = sorted(bs)
    i = 0
    while i < len(bs):
        j = i
        while j + 1 < len(bs) and bs[j + 1] == bs[j] + 1:
            j += 1
        if j == i:
            out.append(_esc(bs[i]))
        elif j == i + 1:
            out.append(_esc(bs[i]) + _esc(bs[j]))
        else:
            out.append(_esc(bs[i]) + "-" + _esc(bs[j]))
        i = j + 1
    return "".join(out)


def _rx_class(cset):
    """A regex atom matching exactly the bytes of ``cset`` (non-empty)."""
    if len(cset) == 256:
        return "."                  # compiled with DOTALL
    if len(cset) == 1:
        return _esc(next(iter(cset)))
    pos = _ranges(cset)
    neg = _ranges(_ALL - cset)
    if len(neg) < len(pos):
        return "[^" + neg + "]"     # subjects only hold code points < 256
    return "[" + pos + "]"


_RX_SUFFIX = {"": "", "*": "*", "+": "+", "-": "*?", "?": "?"}


def _to_regex(parsed, shift=0):
    """The regex of ``parsed``; ``shift`` renumbers back-references for a
    regex wrapped in ``shift`` extra leading groups."""
    out = []
    lead = True             # no consuming item yet
    for it in parsed.items:
        k = it[0]
        if k == "single":
            cset, suf = it[1], it[2]
            if cset:
                atom = _rx_class(cset)
                if suf == "+" and lead:
                    # x+ as x x*: the same match, tried in the same order,
                    # but a leading single atom gives sre a first-character
                    # prefix to skip positions with (a leading repeat gives
                    # none and a match is tried at every position)
                    out.append(atom + atom + "*")
                else:
                    out.append(atom + _RX_SUFFIX[suf])
            elif suf in ("", "+"):
                out.append("(?!)")
        elif k == "open":
            out.append("(")
            continue
        elif k == "pos":
            out.append("()")
        elif k == "close":
            out.append(")")
        elif k == "end":
            out.append(r"\Z")
        elif k == "bref":
            out.append("(?!)" if it[2] else "(?:\\%d)" % (it[1] + 1 + shift))
        elif k == "front":
            cset = it[1]
            # previous char ('\0' at the start) not in set, current char
            # ('\0' at the end) in set
            if 0 in cset:
                ahead = "(?=%s|\\Z)" % _rx_class(cset)
                rest = _ALL - cset
                behind = "(?<=%s)" % _rx_class(rest) if rest else "(?!)"
            else:
                ahead = "(?=%s)" % _rx_class(cset) if cset else "(?!)"
                behind = "(?<!%s)" % _rx_class(cset) if cset else ""
            out.append(behind + ahead)
        else:                       # 'bal' and 'err' never get here
            raise AssertionError(k)
        lead = False
    out.append(")" * parsed.kinds.count(_K_UNF))
    return "".join(out)


# --------------------------------------------------------------------------
# back end 3: closures mirroring lstrlib.c's match()

class _MS:
    """Match state of the closure back end; after a successful search it
    doubles as the match object (same methods as ``re.Match`` uses here)."""
    __slots__ = ("s", "n", "cinit", "clen", "depth", "st", "e")

    def span(self):
        return (self.st, self.e)

    def end(self):
        return self.e

    def start(self, k=0):
        return self.st if k == 0 else self.cinit[k - 1]

    def group(self, k=0):
        if k == 0:
            return self.s[self.st:self.e]
        st = self.cinit[k - 1]
        return self.s[st:st + self.clen[k - 1]]

    def groups(self):
        s, ci, cl = self.s, self.cinit, self.clen
        return tuple(s[ci[k]:ci[k] + cl[k]] for k in range(len(ci)))


def _too_complex():
    rt_error("pattern too complex")


def _rec(nxt):
    """A call of ``nxt`` that counts as a recursive C ``match`` call."""
    def call(ms, i):
        if ms.depth == 0:
            _too_complex()
        ms.depth -= 1
        r = nxt(ms, i)
        ms.depth += 1
        return r
    return call


_CHARS = {}
_RUNS = {}


def _chars(cset):
    """``cset`` as a set of one-character strings (memoised)."""
    r = _CHARS.get(cset)
    if r is None:
        if len(_CHARS) > 4096:
            _CHARS.clear()
        r = _CHARS[cset] = frozenset(chr(b) for b in cset)
    return r


def _run_matcher(cset):
    """A function (s, i) -> end of the longest run of ``cset`` from i."""
    r = _RUNS.get(cset)
    if r is None:
        if not cset:
            r = lambda s, i: i
        else:
            rxm = re.compile(_rx_class(cset) + "*", re.DOTALL).match
            r = lambda s, i: rxm(s, i).end()
        if len(_RUNS) > 4096:
            _RUNS.clear()
        _RUNS[cset] = r
    return r


def _node_end(ms, i):
    return i


def _mk_seq(csets, nxt):
    ln = len(csets)
    if all(len(c) == 1 for c in csets):
        lit = "".join(chr(next(iter(c))) for c in csets)

        def seq(ms, i):
            if ms.s.startswith(lit, i):
                return nxt(ms, i + ln)
            return -1
        return seq
    if ln == 1:
        chars = _chars(csets[0])

        def one(ms, i):
            if i < ms.n and ms.s[i] in chars:
                return nxt(ms, i + 1)
            return -1
        return one
    sets = [_chars(c) for c in csets]

    def seqset(ms, i):
        if i + ln > ms.n:
            return -1
        s = ms.s
        for k in range(ln):
            if s[i + k] not in sets[k]:
                return -1
        return nxt(ms, i + ln)
    return seqset


def _mk_single(cset, suf, nxt, checked):
    call = _rec(nxt) if checked else nxt
    if suf == "?":
        chars = _chars(cset)

        def opt(ms, i):
            if i < ms.n and ms.s[i] in chars:
                r = call(ms, i + 1)
                if r >= 0:
                    return r
            return nxt(ms, i)
        return opt
    run = _run_matcher(cset)
    if suf == "*":
        def star(ms, i):
            j = run(ms.s, i)
            if j == i:
                return nxt(ms, i)          # C: goto init, no recursion
            while j >= i:
                r = call(ms, j)
                if r >= 0:
                    return r
                j -= 1
            return -1
        return star
    if suf == "+":
        def plus(ms, i):
            j = run(ms.s, i)
            while j > i:
                r = call(ms, j)
                if r >= 0:
                    return r
                j -= 1
            return -1
        return plus
    if suf == "-":
        def lazy(ms, i):
            j = run(ms.s, i)
            if j == i:
                return nxt(ms, i)
            while i <= j:
                r = call(ms, i)
                if r >= 0:
                    return r
                i += 1
            return -1
        return lazy
    raise AssertionError(suf)


def _mk(it, nxt, checked):
    k = it[0]
    if k == "single":
        return _mk_single(it[1], it[2], nxt, checked)
    call = _rec(nxt) if checked else nxt
    if k == "open" or k == "pos":
        l = it[1]
        mark = _UNF if k == "open" else _POS

        def start_capture(ms, i):
            ms.cinit[l] = i
            ms.clen[l] = mark
            return call(ms, i)
        return start_capture
    if k == "close":
        l = it[1]

        def end_capture(ms, i):
            ms.clen[l] = i - ms.cinit[l]
            return call(ms, i)
        return end_capture
    if k == "end":
        return lambda ms, i: i if i == ms.n else -1
    if k == "bal":
        b, e = it[1], it[2]
        if b == e:
            def balance_same(ms, i):
                s = ms.s
                if i >= ms.n or s[i] != b:
                    return -1
                j = s.find(e, i + 1)
                return -1 if j < 0 else nxt(ms, j + 1)
            return balance_same

        def balance(ms, i):
            # C scans char by char: each b counts up, each e down; between
            # two e's there are only b's, so str.find/str.count do the scan
            s = ms.s
            if i >= ms.n or s[i] != b:
                return -1
            cont = 1
            j = i + 1
            while True:
                k = s.find(e, j)
                if k < 0:
                    return -1
                cont += s.count(b, j, k) - 1
                if cont == 0:
                    return nxt(ms, k + 1)
                j = k + 1
        return balance
    if k == "front":
        chars = _chars(it[1])

        def frontier(ms, i):
            s = ms.s
            prev = s[i - 1] if i > 0 else "\0"
            cur = s[i] if i < ms.n else "\0"
            if prev not in chars and cur in chars:
                return nxt(ms, i)
            return -1
        return frontier
    if k == "bref":
        l = it[1]
        if it[2]:                     # position capture: never matches
            return lambda ms, i: -1

        def backref(ms, i):
            s = ms.s
            st = ms.cinit[l]
            ln = ms.clen[l]
            if s.startswith(s[st:st + ln], i):
                return nxt(ms, i + ln)
            return -1
        return backref
    if k == "err":
        msg = it[1]

        def error(ms, i):
            rt_error(msg)
        return error
    raise AssertionError(k)


def _build_closures(parsed, checked):
    items = parsed.items
    nxt = _node_end
    i = len(items) - 1
    while i >= 0:
        it = items[i]
        if it[0] == "single" and it[2] == "":
            j = i
            while j > 0 and items[j - 1][0] == "single" and items[j - 1][2] == "":
                j -= 1
            nxt = _mk_seq([items[k][1] for k in range(j, i + 1)], nxt)
            i = j - 1
            continue
        nxt = _mk(it, nxt, checked)
        i -= 1
    return nxt


def _closure_searchers(parsed):
    checked = parsed.depth + 1 > MAXCCALLS
    first = _build_closures(parsed, checked)
    ncap = parsed.ncap
    skip = None
    for it in parsed.items:            # a char every match must start with?
        if it[0] in ("open", "pos"):
            continue
        if it[0] == "single" and it[2] in ("", "+") and len(it[1]) < 256:
            skip = re.compile(_rx_class(it[1]) if it[1] else "(?!)",
                              re.DOTALL).search
        elif it[0] == "bal":
            skip = re.compile(re.escape(it[1])).search
        break

    def new_state(s):
        ms = _MS()
        ms.s = s
        ms.n = len(s)
        ms.cinit = [0] * ncap
        ms.clen = [0] * ncap
        return ms

    def attempt(ms, i):
        ms.depth = MAXCCALLS - 1
        try:
            e = first(ms, i)
        except RecursionError:
            _too_complex()
        if e >= 0:
            ms.st = i
            ms.e = e
            return ms
        return None

    def match(s, pos):
        return attempt(new_state(s), pos)

    def search(s, pos):
        ms = new_state(s)
        n = ms.n
        if skip is None:
            for i in range(pos, n + 1):
                if attempt(ms, i) is not None:
                    return ms
            return None
        while True:
            m = skip(s, pos)
            if m is None:
                return None
            pos = m.start()
            if attempt(ms, pos) is not None:
                return ms
            pos += 1

    return match, search


# --------------------------------------------------------------------------
# compiled patterns

def _unfinished(m=None):
    rt_error("unfinished capture")


def _capture_getter(kind, g):
    """Function of a match giving the Lua value of capture group ``g``."""
    if kind == _K_STR:
        return lambda m: m.group(g)
    if kind == _K_POS:
        return lambda m: m.start(g) + 1
    return _unfinished


class _Pat:
    """A compiled pattern (what ``_entry``/``_gentry`` cache).

    ``mmode`` says how ``match`` turns a match object into its result
    without a function call: 0 the whole match, 1 the single (string)
    capture, 2 all (string) captures, 3 through ``mres``.  ``split`` is set
    when gsub may work on ``rx.split`` / ``rxw.split`` (see ``_split``)."""
    __slots__ = ("plain", "anchor", "rx", "match", "search", "exec",
                 "empty_ok", "ncap", "kinds", "getters", "caps", "mres",
                 "fargs", "key", "tcache", "literal", "greedy", "plen",
                 "simple", "mmode", "split", "parsed", "_rxw")

    @property
    def rxw(self):
        """The regex wrapped in one more group: group 1 is the whole match,
        the captures follow (compiled on first use)."""
        r = self._rxw
        if r is None:
            r = self._rxw = re.compile("(" + _to_regex(self.parsed, 1) + ")",
                                       re.DOTALL)
        return r


def _compile(pat, anchor, plain):
    parsed = _parse(pat)
    c = _Pat()
    c.plain = plain
    c.plen = len(pat)
    # a plain pattern is a literal for match/gsub too unless it has a ')'
    # (find never runs the matcher on it, the others do and fail on ')')
    c.literal = plain and ")" not in pat
    c.anchor = anchor
    c.ncap = ncap = parsed.ncap
    c.kinds = kinds = parsed.kinds
    c.empty_ok = parsed.minlen == 0
    # no lazy repetition: an empty first-choice match has no non-empty
    # alternative at the same position (see gsub)
    c.greedy = not any(it[0] == "single" and it[2] == "-" for it in parsed.items)
    c.tcache = {}
    c.parsed = parsed
    c._rxw = None
    c.rx = None
    if (parsed.error is None and not parsed.has_bal
            and parsed.depth + 1 <= MAXCCALLS):
        try:
            c.rx = re.compile(_to_regex(parsed), re.DOTALL)
        except (re.error, RecursionError, OverflowError):   # pragma: no cover
            c.rx = None
    if c.rx is not None:
        c.match = c.rx.match
        c.search = c.rx.search
    else:
        c.match, c.search = _closure_searchers(parsed)
    c.exec = c.match if anchor else c.search
    getters = tuple(_capture_getter(k, g + 1) for g, k in enumerate(kinds))
    c.getters = getters
    c.simple = simple = all(k == _K_STR for k in kinds)
    # gsub through split: regex, every match non-empty (Python's split
    # treats empty matches its own way), string captures only
    c.split = (c.rx is not None and not c.empty_ok and not anchor and simple)
    if ncap == 0:
        c.caps = lambda m: ()
        c.mres = lambda m: m.group()
        c.fargs = lambda m: (m.group(),)
        c.key = c.mres
        c.mmode = 0
    else:
        if _K_UNF in kinds:
            c.caps = c.mres = c.fargs = _unfinished
            c.mmode = 3
        elif simple:
            c.caps = c.fargs = lambda m: m.groups()
            c.mres = (lambda m: m.group(1)) if ncap == 1 else c.caps
            c.mmode = 1 if ncap == 1 else 2
        else:
            c.caps = c.fargs = eval("lambda m: (%s,)" % ", ".join(
                "m.group(%d)" % (g + 1) if k == _K_STR else "m.start(%d) + 1" % (g + 1)
                for g, k in enumerate(kinds)))
            c.mres = getters[0] if ncap == 1 else c.caps
            c.mmode = 3
        c.key = getters[0]
    return c


_CACHE = {}        # pattern -> _Pat as find/match/gsub see it ('^' anchors)
_GCACHE = {}       # pattern -> _Pat as gmatch sees it ('^' is a literal)
_CACHE_MAX = 4096


def _entry(pat):
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    plain = _HAS_SPECIAL(pat) is None
    if pat[:1] == "^":
        c = _compile(pat[1:], True, False)
    else:
        c = _compile(pat, False, plain)
    _CACHE[pat] = c
    return c


def _gentry(pat):
    if len(_GCACHE) >= _CACHE_MAX:
        _GCACHE.clear()
    c = _compile(pat, False, _HAS_SPECIAL(pat) is None)
    _GCACHE[pat] = c
    return c


# --------------------------------------------------------------------------
# the library functions

def _lfind(s, pat, i):
    """``s.find(pat, i)`` for a needle of 2+ characters and a long subject.

    Python's search walks the subject about a byte at a time, C Lua's
    (``lmemfind``) jumps with memchr to the needle's first character; only
    Python's single-character search uses memchr.  So: search the next 256
    characters directly (a near match costs what it did), then jump to the
    first occurrence of the needle's first character -- often the match, or
    absent, and then there is no match at all -- and only then search the
    rest the slow way."""
    j = s.find(pat, i, i + 256)
    if j >= 0:
        return j
    j = s.find(pat[0], max(i, i + 257 - len(pat)))
    if j < 0 or s.startswith(pat, j):
        return j
    return s.find(pat, j + 1)


# find and match first try the common shape -- a string subject, a pattern
# already compiled (so a string: only strings are cache keys), no init or a
# positive integer one, no plain flag or a true one -- with as little Python
# as possible; anything else goes to the general versions (_find, _match),
# which check and convert every argument as luaL_check* does.

def find(s=NOARG, pat=NOARG, init=None, plain=None, *_):
    """``string.find(s, pattern [, init [, plain]])``."""
    if plain is None:
        c = _CACHE.get(pat)
        if c is not None and type(s) is str:
            if init is None:
                i = 0
            elif type(init) is int and init > 0:
                i = init - 1
                if i > len(s):
                    return None
            else:
                return _find(s, pat, init, plain)
            if c.plain:
                if len(s) - i < 512 or c.plen < 2:
                    j = s.find(pat, i)
                else:
                    j = _lfind(s, pat, i)
                if j < 0:
                    return None
                return (j + 1, j + c.plen)
            m = c.exec(s, i)
            if m is None:
                return None
            if c.ncap:
                if c.simple:
                    return (m.start() + 1, m.end()) + m.groups()
                return (m.start() + 1, m.end()) + c.caps(m)
            st, e = m.span()
            return (st + 1, e)
    elif plain is not FALSE and type(s) is str and type(pat) is str:
        if init is None:
            i = 0
        elif type(init) is int and init > 0:
            i = init - 1
            if i > len(s):
                return None
        else:
            return _find(s, pat, init, plain)
        if len(s) - i < 512 or len(pat) < 2:
            j = s.find(pat, i)
        else:
            j = _lfind(s, pat, i)
        if j < 0:
            return None
        return (j + 1, j + len(pat))
    return _find(s, pat, init, plain)


def _find(s, pat, init, plain):
    if type(s) is not str:
        s = check_str(s, 1, "find")
    if type(pat) is not str:
        pat = check_str(pat, 2, "find")
    if init is None:
        i = 0
    else:
        if type(init) is not int:
            init = check_int(init, 3, "find")
        ls = len(s)
        if init < 0:
            init = ls + init + 1 if -init <= ls else 0
        if init < 1:
            i = 0
        elif init > ls + 1:
            return None
        else:
            i = init - 1
    if plain is None or plain is FALSE:
        c = _CACHE.get(pat) or _entry(pat)
        if not c.plain:
            m = c.exec(s, i)
            if m is None:
                return None
            st, e = m.span()
            if c.ncap:
                return (st + 1, e) + c.caps(m)
            return (st + 1, e)
    j = s.find(pat, i)
    if j < 0:
        return None
    return (j + 1, j + len(pat))


def match(s=NOARG, pat=NOARG, init=None, *_):
    """``string.match(s, pattern [, init])``."""
    c = _CACHE.get(pat)
    if c is not None and type(s) is str:
        if init is None:
            i = 0
        elif type(init) is int and init > 0:
            i = init - 1
            if i > len(s):
                return None
        else:
            return _match(s, pat, init)
        if c.literal:
            if len(s) - i < 512 or c.plen < 2:
                return pat if s.find(pat, i) >= 0 else None
            return pat if _lfind(s, pat, i) >= 0 else None
        m = c.exec(s, i)
        if m is None:
            return None
        k = c.mmode
        if k == 0:
            return m.group()
        if k == 1:
            return m.group(1)
        if k == 2:
            return m.groups()
        return c.mres(m)
    return _match(s, pat, init)


def _match(s, pat, init):
    if type(s) is not str:
        s = check_str(s, 1, "match")
    if type(pat) is not str:
        pat = check_str(pat, 2, "match")
    if init is None:
        i = 0
    else:
        if type(init) is not int:
            init = check_int(init, 3, "match")
        ls = len(s)
        if init < 0:
            init = ls + init + 1 if -init <= ls else 0
        if init < 1:
            i = 0
        elif init > ls + 1:
            return None
        else:
            i = init - 1
    c = _CACHE.get(pat) or _entry(pat)
    if c.literal:
        return pat if s.find(pat, i) >= 0 else None
    m = c.exec(s, i)
    if m is None:
        return None
    return c.mres(m)


_GROUP0 = re.Match.group
_GROUPS = re.Match.groups
_GROUP1 = operator.itemgetter(1)
_NOVALS = ()            # no values (the end of a gmatch iteration)
_GM_LAZY = 32           # matches gmatch takes from finditer before a findall


class _GmRest:
    """The rest of gmatch's results after the first _GM_LAZY: iterated by
    ``chain`` only once those are used up."""
    __slots__ = ("fi", "rx", "s", "getter")

    def __init__(self, fi, rx, s, getter):
        self.fi = fi
        self.rx = rx
        self.s = s
        self.getter = getter

    def __iter__(self):
        m = next(self.fi, None)
        if m is None:
            return iter(())
        return chain((self.getter(m),), self.rx.findall(self.s, m.end()))


def gmatch(s=NOARG, pat=NOARG, *_):
    """``string.gmatch(s, pattern)``: returns the iterator function.

    As in Lua 5.3 a leading ``^`` is an ordinary character here, and there
    is no ``init`` argument (5.4 added one)."""
    if type(s) is not str:
        s = check_str(s, 1, "gmatch")
    if type(pat) is not str:
        pat = check_str(pat, 2, "gmatch")
    c = _GCACHE.get(pat) or _gentry(pat)
    res = c.mres
    if c.rx is not None and not c.empty_ok:
        # the results come out of one C-level iterator: one __next__ per step
        k = c.mmode
        rx = c.rx
        fi = rx.finditer(s)
        if k == 3:
            nxt = map(res, fi).__next__
        else:
            # the first matches come lazily from finditer (a loop that stops
            # early does no more work than it needs); after _GM_LAZY of them
            # one findall from the end of the last one gives all the others
            # -- the same strings or tuples of strings, without match objects
            getter = _GROUP0 if k == 0 else _GROUP1 if k == 1 else _GROUPS
            nxt = chain(map(getter, islice(fi, _GM_LAZY)),
                        _GmRest(fi, rx, s, getter)).__next__

        def gmatch_iter(_s=None, _c=None, *_):
            try:
                return nxt()
            except StopIteration:
                return _NOVALS      # no values at the end, as Lua's iterator
        if k != 3:
            # a generic for takes the values straight from the iterator (see
            # ops.forin): 0/1 = one string per step, 2 = a tuple of captures
            gmatch_iter.lua_values = (nxt.__self__, k, c.ncap)
        return gmatch_iter
    if c.rx is not None and c.greedy:
        it = c.rx.finditer(s)
        last = [-1]

        def gmatch_greedy(*_):
            for m in it:
                st, e = m.span()
                if st == e == last[0]:
                    continue        # see gsub: Lua rejects this one
                last[0] = e
                return res(m)
            return ()
        return gmatch_greedy
    search = c.search
    n = len(s)
    state = [0, -1]             # next search position, end of last match

    def gmatch_loop(*_):
        pos, last = state
        while pos <= n:
            m = search(s, pos)
            if m is None:
                break
            st, e = m.span()
            if e == last:       # empty match right after the previous one
                pos = st + 1
                continue
            state[0] = state[1] = e
            return res(m)
        state[0] = n + 1
        return ()
    return gmatch_loop


# -- gsub -------------------------------------------------------------------

class _Repl:
    """A parsed replacement string.  ``tmpl``: the constant text (escaped for
    ``re.sub``) when it has no capture; ``func``: match -> text; ``sfmt``,
    ``scols``, ``wrap``: the ``%`` format and the split columns it takes
    its values from (see ``_split``)."""
    __slots__ = ("tmpl", "func", "err", "sfmt", "scols", "wrap", "spieces", "text")


def _compile_repl(c, repl):
    """Parse a replacement string for pattern ``c`` (``add_s``)."""
    parts = []
    lit = []
    err = None
    i = 0
    ln = len(repl)
    ncap = c.ncap
    while i < ln:
        ch = repl[i]
        i += 1
        if ch != "%":
            lit.append(ch)
            continue
        d = repl[i] if i < ln else "\0"
        i += 1
        if not ("0" <= d <= "9"):
            if d != "%":
                err = "invalid use of '%' in replacement string"
                break
            lit.append("%")
            continue
        if lit:
            parts.append("".join(lit))
            lit = []
        k = ord(d) - ord("1")
        if d == "0" or (k == 0 and ncap == 0):
            parts.append(0)
        elif k >= ncap:
            err = "invalid capture index %%%d" % (k + 1)
            break
        elif c.kinds[k] == _K_UNF:
            err = "unfinished capture"
            break
        else:
            parts.append(k + 1)
    if lit:
        parts.append("".join(lit))
    r = _Repl()
    r.err = err
    r.tmpl = r.func = r.sfmt = r.text = None
    if err is not None:
        return r
    if all(type(p) is str for p in parts):
        text = "".join(parts)
        r.text = text
        r.tmpl = text.replace("\\", "\\\\")     # re.sub reads backslashes
        r.func = lambda m: text
        return r
    # Python 3.11 expands group templates in Python code: a generated
    # function is faster
    fmt = "".join(p.replace("%", "%%") if type(p) is str else "%s" for p in parts)
    refs = [p for p in parts if type(p) is not str]
    exprs = ["m.group(%d)" % p if p == 0 or c.kinds[p - 1] == _K_STR
             else "str(m.start(%d) + 1)" % p
             for p in refs]
    if fmt == "%s":
        r.func = eval("lambda m: " + exprs[0])
    else:
        r.func = eval("lambda m: %r %% (%s,)" % (fmt, ", ".join(exprs)))
    if c.split:
        # split layout: rx.split gives [text, cap1 .. capn, text, ...];
        # rxw.split (needed for %0) [text, whole, cap1 .. capn, text, ...]
        r.wrap = 0 in refs
        r.sfmt = fmt
        r.scols = [p + 1 for p in refs] if r.wrap else refs
        # the template as literal texts (str) and split columns (int)
        r.spieces = [p if type(p) is str else p + 1 if r.wrap else p for p in parts]
    return r


def _repl_text(v, whole):
    """The text a table/function replacement value ``v`` stands for."""
    if v is None or v is FALSE:
        return whole
    t = type(v)
    if t is str:
        return v
    if t is int or t is float:
        return tostring(v)
    rt_error("invalid replacement value (a %s)" % lua_type(v))


def _repl_value(v, m):
    """The text a table/function replacement value stands for."""
    if v is None or v is FALSE:
        return m.group()
    t = type(v)
    if t is str:
        return v
    if t is int or t is float:
        return tostring(v)
    rt_error("invalid replacement value (a %s)" % lua_type(v))


def _fn_text(r, whole):
    """The text a replacement function's result ``r`` stands for."""
    if type(r) is tuple:
        r = r[0] if r else None
    return _repl_text(r, whole)


_index = None


def _gettable(t, k):
    """``t[k]`` honouring ``__index`` (``lua_gettable``), via runtime.ops."""
    global _index
    if _index is None:
        from .ops import index as _index
    return _index(t, k)


_STR_ONLY = {str}
_STR_INT = {str, int}


def _split(c, s, max_s, kind, rp):
    """gsub for a pattern with ``c.split`` set: one ``re.split`` finds every
    match and its captures, the replacements are computed from the pieces
    (a template's pieces chained with the texts between the matches and
    joined once; table lookups or calls in match order) and joined with
    the text between the matches.  No re.sub callback, no match
    objects.  ``kind``: 0 template ``rp`` (a _Repl), 1 plain table ``rp``,
    2 function ``rp``."""
    maxsplit = max_s if max_s <= len(s) else 0
    ncap = c.ncap
    if kind == 0 and not rp.wrap:
        parts = c.rx.split(s, maxsplit)
        stride = ncap + 1
    else:
        parts = c.rxw.split(s, maxsplit)
        stride = ncap + 2
    nm = len(parts) // stride
    if nm == 0:
        return (s, 0)
    if kind == 0:
        cols = rp.scols
        if rp.sfmt == "%s":
            vals = parts[cols[0]::stride]
        else:
            # text, pieces of the replacement, text, ...: one join over C
            # iterators, no formatted string per match
            texts = parts[0::stride]
            its = [repeat(p) if type(p) is str else parts[p::stride] for p in rp.spieces]
            its.append(islice(texts, 1, None))
            return (texts[0] + "".join(chain.from_iterable(zip(*its))), nm)
    else:
        wholes = parts[1::stride]
        if kind == 1:
            # t.get(key, whole): a missing key keeps the match; join checks
            # that every value is a string (other values are converted
            # afterwards, or raise, in match order: the lookups have no side
            # effects on a plain table)
            get = rp.get
            if len(rp) <= 64:
                # a small table of strings and integers: look up in a copy
                # holding only strings, and the values need no check
                types = set(map(type, rp.values()))
                if types <= _STR_INT and types != _STR_ONLY:
                    get = {k: v if type(v) is str else str(v)
                           for k, v in rp.items()}.get
            vals = list(map(get, parts[2::stride] if ncap else wholes,
                            wholes))
            if stride == 2:
                parts[1::2] = vals
                try:
                    return ("".join(parts), nm)
                except TypeError:
                    pass
            else:
                out = [None] * (2 * nm + 1)
                out[0::2] = parts[0::stride]
                out[1::2] = vals
                try:
                    return ("".join(out), nm)
                except TypeError:
                    pass
            if set(map(type, vals)) <= _STR_INT:
                # format() of a string is the string, of an integer its
                # tostring, and it is much faster than str() called on both
                vals = list(map(format, vals))
            else:
                vals = [v if type(v) is str else _repl_text(v, w)
                        for v, w in zip(vals, wholes)]
        else:
            f = rp
            # called in match order; a bad result raises at once, before
            # the next call, as in C
            if ncap == 0:
                vals = [r if type(r := f(w)) is str else
                        w if r is None else _fn_text(r, w)
                        for w in wholes]
            elif ncap == 1:
                vals = [r if type(r := f(a)) is str else
                        w if r is None else _fn_text(r, w)
                        for w, a in zip(wholes, parts[2::stride])]
            else:
                args = zip(*[parts[k::stride] for k in range(2, stride)])
                vals = [r if type(r := f(*a)) is str else
                        w if r is None else _fn_text(r, w)
                        for w, a in zip(wholes, args)]
    if stride == 2:
        parts[1::2] = vals
        return ("".join(parts), nm)
    out = [None] * (2 * nm + 1)
    out[0::2] = parts[0::stride]
    out[1::2] = vals
    return ("".join(out), nm)


def gsub(s=NOARG, pat=NOARG, repl=None, n=None, *_):
    """``string.gsub(s, pattern, repl [, n])`` -> ``(string, count)``."""
    if type(s) is not str:
        s = check_str(s, 1, "gsub")
    if type(pat) is not str:
        pat = check_str(pat, 2, "gsub")
    srcl = len(s)
    if n is None:
        max_s = srcl + 1
    else:
        max_s = n if type(n) is int else check_int(n, 4, "gsub")
    tr = type(repl)
    if tr is int or tr is float:
        repl = tostring(repl)
        tr = str
    elif tr in TABLE_TYPES:
        tr = LuaTable
    elif tr is not str and lua_type(repl) != "function":
        arg_error(3, "gsub", "string/function/table expected")
    c = _CACHE.get(pat) or _entry(pat)
    if max_s <= 0:
        return (s, 0)
    tmpl = None
    if tr is str:
        if c.literal and "%" not in repl:
            cnt = s.count(pat) if pat else srcl + 1
            if max_s < cnt:
                return (s.replace(pat, repl, max_s), max_s)
            return (s.replace(pat, repl), cnt)
        rp = c.tcache.get(repl)
        if rp is None:
            if len(c.tcache) > 256:
                c.tcache.clear()
            rp = c.tcache[repl] = _compile_repl(c, repl)
        if rp.err is not None:
            if c.exec(s, 0) is not None:
                rt_error(rp.err)
            return (s, 0)
        if rp.sfmt is not None:
            return _split(c, s, max_s, 0, rp)
        if rp.text is not None and c.split:
            # a constant replacement: the texts between the matches joined
            # with it
            parts = c.rx.split(s, max_s if max_s <= srcl else 0)
            if c.ncap:
                parts = parts[0::c.ncap + 1]
            return (rp.text.join(parts), len(parts) - 1)
        tmpl = rp.tmpl
        R = rp.func
    elif tr is LuaTable:
        key = c.key
        t = repl
        if type(t) is LuaTable:         # no metatable: a plain dict lookup
            if c.split:
                return _split(c, s, max_s, 1, t)

            def R(m):
                return _repl_value(t.get(key(m)), m)
        else:
            def R(m):
                return _repl_value(_gettable(t, key(m)), m)
    else:
        if c.split:
            return _split(c, s, max_s, 2, repl)
        f = repl
        if c.ncap == 0:
            def R(m):
                r = f(m.group())
                if type(r) is str:
                    return r
                if type(r) is tuple:
                    r = r[0] if r else None
                return _repl_value(r, m)
        else:
            fargs = c.fargs

            def R(m):
                r = f(*fargs(m))
                if type(r) is str:
                    return r
                if type(r) is tuple:
                    r = r[0] if r else None
                return _repl_value(r, m)
    if c.anchor:
        m = c.match(s, 0)
        if m is None:
            return (s, 0)
        return (R(m) + s[m.end():], 1)
    rx = c.rx
    if rx is not None:
        if not c.empty_ok:
            return rx.subn(R if tmpl is None else tmpl, s, max_s)
        if c.greedy and max_s > srcl:
            # Python's sub also replaces an empty match that starts where
            # the previous match ended; Lua rejects exactly those.  With
            # greedy repetitions only, that is the sole difference.
            cnt = 0
            last = -1

            def each(m):
                nonlocal cnt, last
                st, e = m.span()
                if st == e == last:
                    return ""
                last = e
                cnt += 1
                return R(m)
            return (rx.sub(each, s), cnt)
    # Lua's loop: an empty match ending where the previous match ended is
    # rejected and one character is copied instead.
    search = c.search
    out = []
    cp = pos = 0
    last = -1
    cnt = 0
    while cnt < max_s:
        m = search(s, pos)
        if m is None:
            break
        st, e = m.span()
        if e == last:
            pos = st + 1
            if pos > srcl:
                break
            continue
        out.append(s[cp:st])
        out.append(R(m))
        cnt += 1
        cp = pos = last = e
        if st == e:             # the next attempt here gives the same
            pos = e + 1         # empty match, which is rejected
            if pos > srcl:
                break
    out.append(s[cp:])
    return ("".join(out), cnt)
