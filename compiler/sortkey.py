"""Comparators that are sort keys in disguise.

Most order functions given to ``table.sort`` compare one expression of each
of their two arguments, sometimes with tie-breaks::

    function(a, b) return a.score > b.score end
    function(x, y) return x % M < y % M or (x % M == y % M and x < y) end
    function(x, y) return x.key * 3 + x.id < y.key * 3 + y.id end
    function(x, y)
      if x.key ~= y.key then return x.key < y.key end
      return x.id < y.id
    end

``sort_spec`` recognises these shapes in the Lua tree and describes them as
a tuple of levels ``(expr, descending)``: sort by the first level's key,
ties by the second's, and so on.  ``expr`` says how a key is computed from
one argument:

* a tuple of field names (``()`` for the value itself, ``("a", "b")`` for
  ``x.a.b``): the original, fastest form, kept whenever it suffices;
* otherwise a small expression tree whose first item is an int opcode (see
  ``ARG`` ... ``LEN`` below).

The recognised expressions have no side effect (field reads, arithmetic,
``..``, ``#``, constants, and upvalues -- locals of enclosing functions,
which the comparator cannot assign: its body is nothing but ``if`` and
``return``).  Upvalues are numbered in order of first use; the code
generator passes ``table.sort`` a getter returning their current values.

Locals of the comparator (``local ka, kb = a.key, b.key``) stand for their
expressions when each is the key expression of one argument, none shadows
a parameter and each is used.

Recognised shapes (``A``, ``B``: key expressions, each the same expression
of either argument; ``<`` may be ``>`` or mirrored, ``==``/``~=`` either way
round):

* ``return A(a) < A(b)``
* ``return A(a) < A(b) or (A(a) == A(b) and <shape>)`` -- the terms of an
  ``or``/``and`` of comparisons may come in any order and nest or flatten
  (``A< or (A== and B<) or (A== and B== and C<)``): they are booleans
  without side effects, and the key path is only taken when every key is a
  comparable number or string, so no comparison can raise;
* ``if A(a) ~= A(b) then return A(a) < A(b) end <shape>`` (also with
  ``else``/``elseif``), ``if A(a) == A(b) then <shape> end return A(a) < A(b)``,
  ``if A(a) < A(b) then return true elseif A(a) > A(b) then return false end
  <shape>`` (or ``false``/``true``: descending).

Whether the keys really are such numbers or strings, read from plain tables
(no metamethod), is checked by ``table.sort`` at run time
(runtime/ltable.py): whenever a key cannot be computed cleanly the
comparator itself runs, and raises what it raises.  ``<=`` comparators are
never recognised (not a strict order: Lua raises "invalid order function").
"""

import ast

from .luaast import (BinOp, FalseExpr, If, Index, Local, Name, Number, Paren, Return, String,
                     TrueExpr, UnOp)

__all__ = ["sort_spec", "sort_analysis", "sort_decorators"]

# opcodes of key expressions (tuples; see runtime/ltable.py _key_eval)
ARG = 0        # (ARG,)                      the argument itself
CONST = 1      # (CONST, repr, value)        a number or string constant
UPVAL = 2      # (UPVAL, i)                  the i-th upvalue
INDEX = 3      # (INDEX, obj, key)           obj[key]
ARITH = 4      # (ARITH, op, left, right)    + - * / // % ^
CONCAT = 5     # (CONCAT, left, right)       ..
UNM = 6        # (UNM, e)                    -e
LEN = 7        # (LEN, e)                    #e

_ARITH = frozenset(("+", "-", "*", "/", "//", "%", "^"))
_FLIP = {"<": ">", ">": "<"}
_LT_GT = frozenset(("<", ">"))


class _Ctx:
    """The two parameters and the upvalues seen so far."""

    def __init__(self, a, b, resolve):
        self.a, self.b = a, b
        self.resolve = resolve        # Name node -> variable, None for globals
        self.ups = []                 # first Name node of each upvalue
        self.up_vars = []             # their variables (identity)
        self.aliases = {}             # id(Local statement) -> {name: (param|None, key)}
        self.used = set()             # (id(Local statement), name) referenced


def _same(x, y):
    # repr: 1 and 1.0, 0.0 and -0.0 are different constants
    return repr(x) == repr(y)


def _uses_arg(k):
    return k[0] == ARG or any(type(x) is tuple and _uses_arg(x) for x in k[1:])


def _strip(e):
    while isinstance(e, Paren):
        e = e.expr
    return e


def _key(e, param, other, cx):
    """The key expression tree of ``e`` as a function of ``param`` (``other``
    must not occur), or None when ``e`` is not such an expression."""
    e = _strip(e)
    if isinstance(e, Name):
        if e.name == param:
            return (ARG,)
        if e.name == other or e.name == "_ENV" or cx.resolve is None:
            return None
        var = cx.resolve(e)
        if var is None:               # a global: reading _ENV may run __index
            return None
        decl = getattr(var, "decl_node", None)
        if decl is not None and id(decl) in cx.aliases:
            # a local of the comparator: its (side-effect-free) value
            p, k = cx.aliases[id(decl)][var.name]
            cx.used.add((id(decl), var.name))
            return k if p is None or p == param else None
        for i, v in enumerate(cx.up_vars):
            if v is var:
                return (UPVAL, i)
        cx.up_vars.append(var)
        cx.ups.append(e)
        return (UPVAL, len(cx.ups) - 1)
    if isinstance(e, Number):
        return (CONST, repr(e.value), e.value)
    if isinstance(e, String):
        return (CONST, repr(e.value), e.value)
    if isinstance(e, Index):
        o = _key(e.obj, param, other, cx)
        k = _key(e.key, param, other, cx)
        if o is None or k is None:
            return None
        return (INDEX, o, k)
    if isinstance(e, BinOp) and (e.op in _ARITH or e.op == ".."):
        l = _key(e.left, param, other, cx)
        r = _key(e.right, param, other, cx)
        if l is None or r is None:
            return None
        return (CONCAT, l, r) if e.op == ".." else (ARITH, e.op, l, r)
    if isinstance(e, UnOp) and e.op in ("-", "#"):
        v = _key(e.operand, param, other, cx)
        if v is None:
            return None
        return (UNM, v) if e.op == "-" else (LEN, v)
    return None


def _pair(e, ops, cx):
    """``A(a) op A(b)`` with op in ``ops`` (either way round) -> (A, op as
    seen from a), or None."""
    e = _strip(e)
    if not isinstance(e, BinOp) or e.op not in ops:
        return None
    a, b = cx.a, cx.b
    op = e.op
    l, r = _key(e.left, a, b, cx), _key(e.right, b, a, cx)
    if l is None or r is None:
        l, r = _key(e.left, b, a, cx), _key(e.right, a, b, cx)
        op = _FLIP.get(op, op)
    if l is None or r is None or not _same(l, r) or not _uses_arg(l):
        return None
    return l, op


def _cmp(e, cx):
    """``A(a) < A(b)`` and its mirrored forms -> (A, descending)."""
    p = _pair(e, _LT_GT, cx)
    return None if p is None else (p[0], p[1] == ">")




def _eq(e, key, cx):
    p = _pair(e, ("==",), cx)
    return p is not None and _same(p[0], key)


def _ne(e, key, cx):
    p = _pair(e, ("~=",), cx)
    return p is not None and _same(p[0], key)


def _conjuncts(e):
    e = _strip(e)
    if isinstance(e, BinOp) and e.op == "and":
        return _conjuncts(e.left) + _conjuncts(e.right)
    return [e]


def _terms(e):
    """The terms of an ``or`` (each a list of ``and``-ed conjuncts)."""
    e = _strip(e)
    if isinstance(e, BinOp) and e.op == "or":
        return _terms(e.left) + _terms(e.right)
    return [_conjuncts(e)]


def _chain(terms, cx):
    """Levels of a disjunction of terms: exactly one term is ``A(a) < A(b)``,
    every other is ``A(a) == A(b) and <rest>``, and the rests form the
    levels after A."""
    plain = [t for t in terms if len(t) == 1 and _cmp(t[0], cx) is not None]
    if len(plain) != 1:
        return None
    level = _cmp(plain[0][0], cx)
    rests = []
    for t in terms:
        if t is plain[0]:
            continue
        for i, c in enumerate(t):
            if _eq(c, level[0], cx):
                rest = t[:i] + t[i + 1:]
                break
        else:
            return None
        if not rest:
            return None               # A< or A== is A<=: not a strict order
        if len(rest) == 1:
            rests.extend(_terms(rest[0]))
        else:
            rests.append(rest)
    if not rests:
        return [level]
    more = _chain(rests, cx)
    if more is None:
        return None
    return [level] + more


def _bool_return(stmts):
    """``return true`` / ``return false`` -> True / False, else None."""
    if len(stmts) == 1 and isinstance(stmts[0], Return) and len(stmts[0].exprs) == 1:
        e = _strip(stmts[0].exprs[0])
        if isinstance(e, TrueExpr):
            return True
        if isinstance(e, FalseExpr):
            return False
    return None


def _single_return(stmts):
    if len(stmts) == 1 and isinstance(stmts[0], Return) and len(stmts[0].exprs) == 1:
        return stmts[0].exprs[0]
    return None


def _split_if(st, rest):
    """An ``if`` statement followed by ``rest`` -> (cond, then-statements,
    statements run when cond is false)."""
    cond, block = st.tests[0]
    if len(st.tests) > 1:
        cont = [If(st.tests[1:], st.orelse, line=st.line, col=st.col)] + rest
    else:
        cont = (st.orelse.body if st.orelse is not None else []) + rest
    return cond, block.body, cont


def _levels(stmts, cx):
    if not stmts:
        return None
    st, rest = stmts[0], stmts[1:]
    if isinstance(st, Return):
        if rest or len(st.exprs) != 1:
            return None
        return _chain(_terms(st.exprs[0]), cx)
    if isinstance(st, Local):
        # local ka, kb = A(a), A(b): names for key expressions of one
        # argument (or of none); each must be used (see sort_analysis)
        if (cx.resolve is None or len(st.names) != len(st.exprs)
                or len(set(st.names)) != len(st.names)
                or any(x not in (None, "const") for x in (st.attribs or ()))):
            return None
        m = {}
        for name, e in zip(st.names, st.exprs):
            if name in (cx.a, cx.b) or name == "_ENV":
                return None           # shadows a parameter
            k = _key(e, cx.a, cx.b, cx)
            if k is not None:
                m[name] = (cx.a if _uses_arg(k) else None, k)
                continue
            k = _key(e, cx.b, cx.a, cx)
            if k is None:
                return None
            m[name] = (cx.b, k)
        cx.aliases[id(st)] = m
        return _levels(rest, cx)
    if not isinstance(st, If):
        return None
    cond, then, cont = _split_if(st, rest)
    # if A(a) ~= A(b) then return A(a) < A(b) end <cont>
    p = _pair(cond, ("~=",), cx)
    if p is not None:
        r = _single_return(then)
        lv = None if r is None else _cmp(r, cx)
        if lv is None or not _same(lv[0], p[0]):
            return None
        more = _levels(cont, cx)
        return None if more is None else [lv] + more
    # if A(a) == A(b) then <then> end return A(a) < A(b)
    p = _pair(cond, ("==",), cx)
    if p is not None:
        r = _single_return(cont)
        lv = None if r is None else _cmp(r, cx)
        if lv is None or not _same(lv[0], p[0]):
            return None
        more = _levels(then, cx)
        return None if more is None else [lv] + more
    # if A(a) < A(b) then return true elseif A(a) > A(b) then return false end <cont>
    lv = _cmp(cond, cx)
    first = _bool_return(then)
    if lv is None or first is None or not cont or not isinstance(cont[0], If):
        return None
    cond2, then2, cont2 = _split_if(cont[0], cont[1:])
    lv2 = _cmp(cond2, cx)
    second = _bool_return(then2)
    if (lv2 is None or second is None or second == first or not _same(lv[0], lv2[0])
            or lv2[1] == lv[1]):
        return None
    more = _levels(cont2, cx)
    if more is None:
        return None
    return [(lv[0], lv[1] if first else lv2[1])] + more


def _path_form(key):
    """A key made only of constant string field reads of the argument, as the
    field-name tuple (the fast form), else the key itself."""
    fields = []
    while key[0] == INDEX:
        k = key[2]
        if k[0] != CONST or type(k[2]) is not str:
            return key
        fields.append(k[2])
        key = key[1]
    if key[0] != ARG:
        return key
    return tuple(reversed(fields))


def sort_analysis(fn, resolve=None):
    """(levels, upvalue Name nodes) of a comparator ``Function`` node, or
    (None, None).  ``resolve`` maps a Name node to its variable (None for a
    global); without it every name but the parameters is treated as a
    global (never recognised)."""
    if fn.is_vararg or len(fn.params) != 2 or getattr(fn, "is_method", False):
        return None, None
    a, b = fn.params
    if a == b or "_ENV" in (a, b):
        return None, None
    cx = _Ctx(a, b, resolve)
    levels = _levels(fn.body.body, cx)
    if levels is None:
        return None, None
    # Lua evaluates every local's expression on every call (and may raise);
    # keys are computed only for the levels.  In a recognised shape every
    # expression of the body is part of a level key, so a local that is
    # referenced is computed with the keys; one that is not is refused.
    for sid, m in cx.aliases.items():
        for name in m:
            if (sid, name) not in cx.used:
                return None, None
    return tuple((_path_form(k), d) for k, d in levels), cx.ups


def sort_spec(fn, resolve=None):
    """The key levels of a comparator ``Function`` node, or None."""
    return sort_analysis(fn, resolve)[0]


def sort_decorators(fn, resolve, name_expr):
    """The decorator list the code generator puts on the Python function of
    ``fn``: ``sortkey(levels)``, or ``sortkey((levels, getter))`` when keys
    read upvalues (``getter``: a lambda returning their values, evaluated
    where the function is defined, which sees the same variables);
    ``name_expr`` compiles a Name node."""
    levels, ups = sort_analysis(fn, resolve)
    if levels is None:
        return []
    spec = ast.Constant(value=levels)
    if ups:
        elts = [name_expr(n) for n in ups]
        # a boxed local (a loop's, captured) is a list made per iteration:
        # bind the box of this closure's iteration now, as the function
        # itself does (a keyword default)
        boxes = sorted({e.value.id for e in elts
                        if isinstance(e, ast.Subscript) and isinstance(e.value, ast.Name)})
        getter = ast.Lambda(
            args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=b) for b in boxes],
                               vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                               defaults=[ast.Name(id=b, ctx=ast.Load()) for b in boxes]),
            body=ast.Tuple(elts=elts, ctx=ast.Load()))
        spec = ast.Tuple(elts=[spec, getter], ctx=ast.Load())
    return [ast.Call(func=ast.Name(id="sortkey", ctx=ast.Load()), args=[spec], keywords=[])]
