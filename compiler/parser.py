"""Recursive-descent Lua 5.3 parser producing the nodes of ``luaast``.

``parse(source, chunkname)`` runs lexer -> dialect pass -> parser and returns
the chunk's ``Block``; ``parse_tokens`` starts from a token list.  The parser
follows lparser.c closely so that syntax errors carry Lua's own wording and
line (``chunk:line: msg near 'tok'``):

* expressions use Lua's priority table (``subexpr``); ``^`` and ``..`` are
  right associative and ``-x^2`` is ``-(x^2)``;
* only calls may be statements, only names and indexings may be assigned;
* ``goto``/labels are resolved per block as in Lua 5.3 (a label that ends a
  block is outside the scope of the block's locals); ``break`` outside a loop
  and undefined labels are reported when the function is closed;
* ``local x <const>``/``<close>`` (Lua 5.4) are accepted; assigning to such a
  variable is an error, as in 5.4;
* statement and expression nesting beyond 200 levels is Lua's "too many C
  levels" error (never a Python RecursionError); more than 200 locals in one
  function is Lua's "too many local variables".

Positions: statements at their first token; ``Call`` at its ``(``/``{``/string
argument; ``Method`` at ``:``; ``Index`` at ``.``/``[``; ``BinOp``/``UnOp`` at
the operator; ``Function`` at ``function`` (``end_line`` = line of ``end``);
a ``Block`` at the token that ends it (``end``, ``else``, ``until``, eof...).
"""

import gc
import types

from . import luaast as A
from .dialect import strip
from .errors import InternalCompilerError, LuaSyntaxError
from .limits import MAX_LEVELS, recursion_headroom
from .lexer import line_starts, near_text, token_end_line, tokenize

__all__ = ["parse", "parse_tokens"]

MAX_VARS = 200            # MAXVARS: locals per function

# (left, right) priorities, as in lparser.c
_BINARY = {
    "or": (1, 1), "and": (2, 2),
    "<": (3, 3), ">": (3, 3), "<=": (3, 3), ">=": (3, 3), "~=": (3, 3), "==": (3, 3),
    "|": (4, 4), "~": (5, 5), "&": (6, 6), "<<": (7, 7), ">>": (7, 7),
    "..": (9, 8), "+": (10, 10), "-": (10, 10),
    "*": (11, 11), "/": (11, 11), "//": (11, 11), "%": (11, 11),
    "^": (14, 13),
}
_UNARY = frozenset(["not", "-", "#", "~"])
_UNARY_PRIORITY = 12
_BLOCK_FOLLOW = frozenset(["else", "elseif", "end", "eof", "until"])
_BLOCK_FOLLOW_NO_UNTIL = frozenset(["else", "elseif", "end", "eof"])


def _maker(cls):
    """A fast constructor ``make(*fields, line, col)`` for a luaast class.

    ``Node.__init__`` is generic (zip + setattr) and dominates parse time; the
    maker assigns the slots directly.  If a class carries slots beyond its
    ``_fields`` and line/col (so its __init__ may set more), it is used as is.
    """
    slots = set()
    for klass in cls.__mro__:
        slots.update(getattr(klass, "__slots__", ()))
    fields = tuple(cls._fields)
    if slots != set(fields) | {"line", "col"} or cls.__init__ is not A.Node.__init__:
        return lambda *args, line=0, col=0: cls(*args, line=line, col=col)
    params = "".join(f"{f}, " for f in fields)
    body = "".join(f"    o.{f} = {f}\n" for f in fields)
    src = (f"def make({params}line=0, col=0):\n    o = new(cls)\n{body}"
           f"    o.line = line\n    o.col = col\n    return o\n")
    namespace = {"new": object.__new__, "cls": cls}
    exec(src, namespace)
    return namespace["make"]


# N.Name(...), N.Call(...), ...: fast constructors for every node class
N = types.SimpleNamespace(**{name: _maker(getattr(A, name))
                             for name in A.__all__ if name != "Node"})


def _token_str(kind):
    """luaX_token2str for an expected token kind."""
    if kind in ("eof", "name", "string", "number"):
        return "<%s>" % kind
    return "'%s'" % kind


class _Block:
    __slots__ = ("nactvar", "is_loop", "labels")

    def __init__(self, nactvar, is_loop):
        self.nactvar = nactvar      # active locals when the block was entered
        self.is_loop = is_loop
        self.labels = {}            # name -> (line, nactvar)


class _Func:
    __slots__ = ("parent", "line", "is_vararg", "actvars", "blocks", "gotos")

    def __init__(self, parent, line, is_vararg):
        self.parent = parent
        self.line = line            # linedefined (0 for the main chunk)
        self.is_vararg = is_vararg
        self.actvars = []           # [name, attrib] of active locals
        self.blocks = []
        self.gotos = []             # pending: [name, line, nactvar, depth]


class Parser:
    """Parses one chunk; see ``parse_tokens``."""

    def __init__(self, tokens, chunkname, source=None):
        if not tokens or tokens[-1][0] != "eof":
            raise ValueError("token list must end with an eof token")
        self.toks = list(tokens)
        self.toks.append(tokens[-1])          # so that next() at eof is safe
        self.chunkname = chunkname
        self.source = source
        self._starts = None
        self.p = 0
        self.t = self.toks[0]
        self.k = self.t[0]
        self.level = 0
        self.fs = None

    # ----- token helpers -----------------------------------------------------
    def next(self):
        self.p += 1
        t = self.t = self.toks[self.p]
        if t[0] == "error":            # a lexical/type error is reached
            raise t[1]
        self.k = t[0]

    def check(self, kind):
        if self.k != kind:
            self.error_expected(kind)

    def checknext(self, kind):
        if self.k != kind:
            self.error_expected(kind)
        self.next()

    def check_match(self, what, who, line):
        if self.k != what:
            if line == self.cur_line():
                self.error_expected(what)
            self.error("%s expected (to close %s at line %d)"
                       % (_token_str(what), _token_str(who), line))
        self.next()

    def lookahead(self):
        t = self.toks[self.p + 1]
        if t[0] == "error":
            raise t[1]
        return t[0]

    def str_checkname(self):
        t = self.t
        if t[0] != "name":
            self.error_expected("name")
        self.next()
        return t[1]

    # ----- errors ------------------------------------------------------------
    def starts(self):
        if self._starts is None and self.source is not None:
            self._starts = line_starts(self.source)
        return self._starts

    def cur_line(self):
        """Lua's ls->linenumber: the line where the current token ends."""
        t = self.t
        if t[0] != "string":
            return t[2]
        return token_end_line(t, self.source, self.starts())

    def error(self, msg, near=True):
        t = self.t
        near = near_text(t, self.source, self.starts()) if near else None
        raise LuaSyntaxError(self.chunkname, self.cur_line(), msg, near, t[3])

    def error_expected(self, kind):
        self.error("%s expected" % _token_str(kind))

    def semerror(self, msg):
        self.error(msg, near=False)

    def error_limit(self, limit, what):
        line = self.fs.line
        where = "main function" if line == 0 else "function at line %d" % line
        self.error("too many %s (limit is %d) in %s" % (what, limit, where))

    # ----- scopes, locals, labels --------------------------------------------
    def open_func(self, line, is_vararg):
        self.fs = _Func(self.fs, line, is_vararg)
        self.enter_block(False)

    def close_func(self):
        self.leave_block()
        self.fs = self.fs.parent

    def enter_block(self, is_loop):
        fs = self.fs
        fs.blocks.append(_Block(len(fs.actvars), is_loop))

    def leave_block(self):
        fs = self.fs
        bl = fs.blocks.pop()
        depth = len(fs.blocks)                 # depth of the block being left
        gotos = fs.gotos
        if gotos:
            if bl.is_loop:                     # close pending breaks
                gotos[:] = [g for g in gotos if not (g[3] == depth and g[0] == "break")]
            if depth == 0:
                if gotos:
                    self.undefgoto(gotos[0])
            else:
                outer = fs.blocks[-1]
                for g in list(gotos):
                    if g[3] == depth:          # move the goto out of the block
                        g[3] = depth - 1
                        if g[2] > bl.nactvar:
                            g[2] = bl.nactvar
                        label = outer.labels.get(g[0])
                        if label is not None:
                            self.close_goto(g, label)
        del fs.actvars[bl.nactvar:]

    def undefgoto(self, g):
        if g[0] == "break":
            self.semerror("<break> at line %d not inside a loop" % g[1])   # Lua 5.3
        self.semerror("no visible label '%s' for <goto> at line %d" % (g[0], g[1]))

    def close_goto(self, g, label):
        """Resolve goto ``g`` with ``label`` = (line, nactvar)."""
        fs = self.fs
        if g[2] < label[1]:
            name = fs.actvars[g[2]][0]
            self.semerror("<goto %s> at line %d jumps into the scope of local '%s'"
                          % (g[0], g[1], name))
        fs.gotos.remove(g)

    def new_locals(self, count):
        if len(self.fs.actvars) + count > MAX_VARS:
            self.error_limit(MAX_VARS, "local variables")

    def add_locals(self, names, attribs=None):
        actvars = self.fs.actvars
        if attribs is None:
            actvars.extend([n, None] for n in names)
        else:
            actvars.extend([n, a] for n, a in zip(names, attribs))

    def check_readonly(self, target):
        if type(target) is not A.Name:
            return
        name = target.name
        fs = self.fs
        while fs is not None:
            for var in reversed(fs.actvars):
                if var[0] == name:
                    if var[1] is not None:
                        self.semerror("attempt to assign to const variable '%s'" % name)
                    return
            fs = fs.parent

    # ----- blocks and statements ---------------------------------------------
    def statlist(self):
        body = []
        follow = _BLOCK_FOLLOW
        statement = self.statement
        while self.k not in follow:
            if self.k == "return":
                self.retstat(body)
                break
            statement(body)
        t = self.t
        return N.Block(body, line=t[2], col=t[3])

    def block(self):
        self.enter_block(False)
        b = self.statlist()
        self.leave_block()
        return b

    def statement(self, body):
        self.level += 1
        if self.level > MAX_LEVELS:
            self.error_limit(MAX_LEVELS, "C levels")
        handler = self._STATEMENTS.get(self.k)
        if handler is None:
            self.exprstat(body)
        else:
            handler(self, body)
        self.level -= 1

    def semicolon(self, body):
        self.next()

    def ifstat(self, body):
        t = self.t
        line = t[2]
        tests = []
        while True:                        # 'if' / 'elseif' cond 'then' block
            self.next()
            cond = self.expr()
            self.checknext("then")
            tests.append((cond, self.block()))
            if self.k != "elseif":
                break
        orelse = None
        if self.k == "else":
            self.next()
            orelse = self.block()
        self.check_match("end", "if", line)
        body.append(N.If(tests, orelse, line=line, col=t[3]))

    def whilestat(self, body):
        t = self.t
        line = t[2]
        self.next()
        cond = self.expr()
        self.checknext("do")
        self.enter_block(True)
        blk = self.block()
        self.check_match("end", "while", line)
        self.leave_block()
        body.append(N.While(cond, blk, line=line, col=t[3]))

    def dostat(self, body):
        t = self.t
        line = t[2]
        self.next()
        blk = self.block()
        self.check_match("end", "do", line)
        body.append(N.Do(blk, line=line, col=t[3]))

    def forstat(self, body):
        t = self.t
        line = t[2]
        self.enter_block(True)
        self.next()
        name = self.str_checkname()
        if self.k == "=":
            self.new_locals(4)
            self.next()
            start = self.expr()
            self.checknext(",")
            stop = self.expr()
            step = None
            if self.k == ",":
                self.next()
                step = self.expr()
            self.add_locals(["(for index)", "(for limit)", "(for step)"])
            node = N.NumFor(name, start, stop, step, None, line=line, col=t[3])
            names = [name]
        elif self.k == "," or self.k == "in":
            names = [name]
            self.new_locals(4)
            while self.k == ",":
                self.next()
                self.new_locals(4 + len(names))
                names.append(self.str_checkname())
            self.checknext("in")
            exprs = self.exprlist()
            self.add_locals(["(for generator)", "(for state)", "(for control)"])
            node = N.GenFor(names, exprs, None, line=line, col=t[3])
        else:
            self.error("'=' or 'in' expected")
        self.checknext("do")
        self.enter_block(False)
        self.add_locals(names)
        node.body = self.statlist()
        self.leave_block()
        self.check_match("end", "for", line)
        self.leave_block()
        body.append(node)

    def repeatstat(self, body):
        t = self.t
        line = t[2]
        self.next()
        self.enter_block(True)
        self.enter_block(False)
        blk = self.statlist()
        self.check_match("until", "repeat", line)
        cond = self.expr()                 # sees the body's locals
        self.leave_block()
        self.leave_block()
        body.append(N.Repeat(blk, cond, line=line, col=t[3]))

    def funcstat(self, body):
        t = self.t
        line = t[2]
        self.next()
        nt = self.t
        name = self.str_checkname()
        target = N.Name(name, line=nt[2], col=nt[3])
        full = name
        is_method = False
        while self.k == "." or self.k == ":":
            sep = self.t
            is_method = sep[0] == ":"
            self.next()
            kt = self.t
            key = self.str_checkname()
            full += sep[0] + key
            target = N.Index(target, N.String(key, line=kt[2], col=kt[3]),
                             line=sep[2], col=sep[3])
            if is_method:
                break
        self.check_readonly(target)
        func = self.body(is_method, line, t, full)
        body.append(N.Assign([target], [func], line=line, col=t[3]))

    def localstat(self, body):
        t = self.t
        self.next()
        if self.k == "function":           # local function NAME body
            ft = self.t
            self.next()
            name = self.str_checkname()
            self.new_locals(1)
            self.add_locals([name])
            func = self.body(False, self.cur_line(), ft, name)
            body.append(N.LocalFunction(name, func, line=t[2], col=t[3]))
            return
        names = []
        attribs = []
        nclose = 0
        while True:
            self.new_locals(len(names) + 1)
            names.append(self.str_checkname())
            attrib = None
            if self.k == "<":
                self.next()
                attrib = self.str_checkname()
                self.checknext(">")
                if attrib == "close":
                    nclose += 1
                    if nclose > 1:
                        self.semerror("multiple to-be-closed variables in local list")
                elif attrib != "const":
                    self.semerror("unknown attribute '%s'" % attrib)
            attribs.append(attrib)
            if self.k != ",":
                break
            self.next()
        if self.k == "=":
            self.next()
            exprs = self.exprlist()
        else:
            exprs = []
        self.add_locals(names, attribs)
        body.append(N.Local(names, attribs, exprs, line=t[2], col=t[3]))

    def labelstat(self, body):
        t = self.t
        self.next()
        name = self.str_checkname()
        fs = self.fs
        bl = fs.blocks[-1]
        old = bl.labels.get(name)
        if old is not None:
            self.semerror("label '%s' already defined on line %d" % (name, old[0]))
        self.checknext("::")
        body.append(N.Label(name, line=t[2], col=t[3]))
        nactvar = len(fs.actvars)
        bl.labels[name] = (t[2], nactvar)
        while self.k == ";" or self.k == "::":      # skip other no-op statements
            self.statement(body)
        if self.k in _BLOCK_FOLLOW_NO_UNTIL:        # last statement of the block:
            nactvar = bl.nactvar                    # its locals are out of scope
        label = bl.labels[name] = (t[2], nactvar)
        depth = len(fs.blocks) - 1
        for g in [g for g in fs.gotos if g[0] == name and g[3] == depth]:
            self.close_goto(g, label)

    def gotostat(self, body):
        t = self.t
        self.next()
        name = self.str_checkname()
        self.add_goto(name, t[2])
        body.append(N.Goto(name, line=t[2], col=t[3]))

    def add_goto(self, name, line):
        fs = self.fs
        g = [name, line, len(fs.actvars), len(fs.blocks) - 1]
        fs.gotos.append(g)
        label = fs.blocks[-1].labels.get(name)
        if label is not None:                        # backward jump
            self.close_goto(g, label)

    def breakstat(self, body):
        t = self.t
        self.next()
        self.add_goto("break", t[2])
        body.append(N.Break(line=t[2], col=t[3]))

    def retstat(self, body):
        t = self.t
        self.next()
        if self.k in _BLOCK_FOLLOW or self.k == ";":
            exprs = []
        else:
            exprs = self.exprlist()
        if self.k == ";":
            self.next()
        body.append(N.Return(exprs, line=t[2], col=t[3]))

    def typedecl(self, body):
        t = self.t
        self.next()
        body.append(N.TypeDecl(t[1], line=t[2], col=t[3]))

    def exprstat(self, body):
        t = self.t
        e = self.suffixedexp()
        if self.k == "=" or self.k == ",":
            targets = [e]
            while True:
                if type(e) is not A.Name and type(e) is not A.Index:
                    self.error("syntax error")
                self.check_readonly(e)
                if self.k != ",":
                    break
                self.next()
                e = self.suffixedexp()
                targets.append(e)
            self.checknext("=")
            exprs = self.exprlist()
            body.append(N.Assign(targets, exprs, line=t[2], col=t[3]))
        else:
            if type(e) is not A.Call and type(e) is not A.Method:
                self.error("syntax error")
            body.append(N.CallStat(e, line=t[2], col=t[3]))

    _STATEMENTS = {
        ";": semicolon, "if": ifstat, "while": whilestat, "do": dostat,
        "for": forstat, "repeat": repeatstat, "function": funcstat,
        "local": localstat, "::": labelstat, "goto": gotostat,
        "break": breakstat, "return": retstat, "typedecl": typedecl,
    }

    # ----- functions -----------------------------------------------------------
    def body(self, is_method, line, ftok, name):
        """``'(' parlist ')' block 'end'``; ``ftok`` is the 'function' token."""
        self.open_func(line, False)
        fs = self.fs
        self.checknext("(")
        params = ["self"] if is_method else []
        if self.k != ")":
            while True:
                if self.k == "name":
                    params.append(self.t[1])
                    self.new_locals(len(params))
                    self.next()
                elif self.k == "...":
                    self.next()
                    fs.is_vararg = True
                    break
                else:
                    self.error("<name> or '...' expected")
                if self.k != ",":
                    break
                self.next()
        self.add_locals(params)
        self.checknext(")")
        blk = self.statlist()
        end_line = self.cur_line()
        self.check_match("end", "function", line)
        self.close_func()
        return N.Function(params, fs.is_vararg, blk, name, end_line, is_method,
                          line=ftok[2], col=ftok[3])

    # ----- expressions ---------------------------------------------------------
    def exprlist(self):
        exprs = [self.expr()]
        while self.k == ",":
            self.next()
            exprs.append(self.expr())
        return exprs

    def expr(self, limit=0):
        self.level += 1
        if self.level > MAX_LEVELS:
            self.error_limit(MAX_LEVELS, "C levels")
        k = self.k
        if k in _UNARY:
            t = self.t
            self.next()
            e = N.UnOp(k, self.expr(_UNARY_PRIORITY), line=t[2], col=t[3])
        else:
            e = self.simpleexp()
        binary = _BINARY
        while True:
            k = self.k
            pri = binary.get(k)
            if pri is None or pri[0] <= limit:
                break
            t = self.t
            self.next()
            e = N.BinOp(k, e, self.expr(pri[1]), line=t[2], col=t[3])
        self.level -= 1
        return e

    def simpleexp(self):
        t = self.t
        k = t[0]
        if k == "name":
            return self.suffixedexp()
        if k == "number":
            self.next()
            return N.Number(t[1], line=t[2], col=t[3])
        if k == "string":
            self.next()
            return N.String(t[1], line=t[2], col=t[3])
        if k == "nil":
            self.next()
            return N.Nil(line=t[2], col=t[3])
        if k == "true":
            self.next()
            return N.TrueExpr(line=t[2], col=t[3])
        if k == "false":
            self.next()
            return N.FalseExpr(line=t[2], col=t[3])
        if k == "...":
            if not self.fs.is_vararg:
                self.error("cannot use '...' outside a vararg function")
            self.next()
            return N.Vararg(line=t[2], col=t[3])
        if k == "{":
            return self.constructor()
        if k == "function":
            self.next()
            return self.body(False, self.cur_line(), t, None)
        return self.suffixedexp()

    def primaryexp(self):
        t = self.t
        k = t[0]
        if k == "name":
            self.next()
            return N.Name(t[1], line=t[2], col=t[3])
        if k == "(":
            line = t[2]
            self.next()
            e = self.expr()
            self.check_match(")", "(", line)
            return N.Paren(e, line=line, col=t[3])
        self.error("unexpected symbol")

    def suffixedexp(self):
        t = self.t
        if t[0] == "name":                 # primaryexp's common case, inlined
            self.next()
            e = N.Name(t[1], line=t[2], col=t[3])
        else:
            e = self.primaryexp()
        while True:
            t = self.t
            k = t[0]
            if k == ".":
                self.next()
                kt = self.t
                key = self.str_checkname()
                e = N.Index(e, N.String(key, line=kt[2], col=kt[3]), line=t[2], col=t[3])
            elif k == "[":
                self.next()
                key = self.expr()
                self.checknext("]")
                e = N.Index(e, key, line=t[2], col=t[3])
            elif k == ":":
                self.next()
                name = self.str_checkname()
                e = N.Method(e, name, self.funcargs(), line=t[2], col=t[3])
            elif k == "(" or k == "string" or k == "{":
                e = N.Call(e, self.funcargs(), line=t[2], col=t[3])
            else:
                return e

    def funcargs(self):
        t = self.t
        k = t[0]
        if k == "(":
            line = t[2]
            self.next()
            if self.k == ")":
                args = []
            else:
                args = self.exprlist()
            self.check_match(")", "(", line)
            return args
        if k == "{":
            return [self.constructor()]
        if k == "string":
            self.next()
            return [N.String(t[1], line=t[2], col=t[3])]
        self.error("function arguments expected")

    def constructor(self):
        t = self.t
        line = t[2]
        self.next()
        items = []
        while self.k != "}":
            k = self.k
            if k == "name" and self.lookahead() == "=":
                key = self.t[1]
                self.next()
                self.next()
                items.append(("named", key, self.expr()))
            elif k == "[":
                self.next()
                key = self.expr()
                self.checknext("]")
                self.checknext("=")
                items.append(("expr", key, self.expr()))
            else:
                items.append(("pos", None, self.expr()))
            if self.k == "," or self.k == ";":
                self.next()
            else:
                break
        self.check_match("}", "{", line)
        return N.Table(items, line=line, col=t[3])

    # ----- entry ---------------------------------------------------------------
    def parse_chunk(self):
        if self.k == "error":
            raise self.t[1]
        self.open_func(0, True)
        blk = self.statlist()
        self.check("eof")
        self.close_func()
        return blk


def parse_tokens(tokens, chunkname="?", source=None):
    """Parse a dialect-free token list (as from ``dialect.strip``) into a Block.

    ``source`` (the latin-1 text the tokens came from) is optional; with it,
    error messages quote tokens exactly as Lua does.
    """
    parser = Parser(tokens, chunkname, source)
    with recursion_headroom():
        try:
            return parser.parse_chunk()
        except RecursionError:
            if parser.fs is None:
                parser.fs = _Func(None, 0, True)
            try:
                parser.error_limit(MAX_LEVELS, "C levels")
            except LuaSyntaxError as err:
                raise err from None


def parse(source, chunkname="?"):
    """Lex, strip the typed dialect and parse ``source`` (a latin-1 str).

    Raises ``LuaSyntaxError`` for bad Lua; any other failure is a bug of the
    front end and surfaces as ``InternalCompilerError``.  The cyclic garbage
    collector is paused meanwhile: parsing allocates many small objects and
    no cycles, and the pause saves about 10%.
    """
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        tokens = strip(tokenize(source, chunkname, lazy_errors=True), chunkname, source)
        return parse_tokens(tokens, chunkname, source)
    except LuaSyntaxError:
        raise
    except Exception as exc:
        raise InternalCompilerError("internal compiler error while parsing %s: %s: %s"
                                    % (chunkname, type(exc).__name__, exc)) from exc
    finally:
        if gc_was_enabled:
            gc.enable()
