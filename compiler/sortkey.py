"""Comparators that are sort keys in disguise.

Most order functions given to ``table.sort`` compare one field (or the
values themselves) of their two arguments, sometimes with tie-breaks::

    function(a, b) return a.score > b.score end
    function(x, y)
      if x.key ~= y.key then return x.key < y.key end
      return x.id < y.id
    end

Such a function has no side effect and no free variable: its result depends
only on the fields it reads.  ``sort_spec`` recognises these shapes in the
Lua tree and describes them as a list of levels ``(path, descending)``
(``path``: the field names read from each argument, ``()`` for the value
itself).  The code generator attaches the description to the function
value, and ``table.sort`` may then sort by keys at C speed -- after checking
at run time that every key is a plain number or every key a string, read
from plain tables, so that the result is exactly the comparator's.
"""

from .luaast import BinOp, If, Index, Name, Paren, Return, String

__all__ = ["sort_spec"]

_FLIP = {"<": ">", ">": "<"}


def _path(e, param):
    """The field path of ``e`` as read from ``param``, or None."""
    fields = []
    while True:
        while isinstance(e, Paren):
            e = e.expr
        if not isinstance(e, Index):
            break
        if not isinstance(e.key, String):
            return None
        fields.append(e.key.value)
        e = e.obj
    if isinstance(e, Name) and e.name == param:
        return tuple(reversed(fields))
    return None


def _compare(e, a, b):
    """``E(a) < E(b)`` and its mirrored forms -> (path, descending)."""
    while isinstance(e, Paren):
        e = e.expr
    if not isinstance(e, BinOp) or e.op not in _FLIP:
        return None
    op = e.op
    pl, pr = _path(e.left, a), _path(e.right, b)
    if pl is None or pr is None:
        pl, pr = _path(e.left, b), _path(e.right, a)
        op = _FLIP[op]
    if pl is None or pl != pr:
        return None
    return pl, op == ">"


def _levels(stmts, a, b):
    if not stmts:
        return None
    last = stmts[-1]
    if not isinstance(last, Return) or len(last.exprs) != 1:
        return None
    tail = _compare(last.exprs[0], a, b)
    if tail is None:
        return None
    levels = []
    for st in stmts[:-1]:
        # if E(a) ~= E(b) then return E(a) < E(b) end   (either direction)
        if not isinstance(st, If) or st.orelse is not None or len(st.tests) != 1:
            return None
        cond, block = st.tests[0]
        if not isinstance(cond, BinOp) or cond.op != "~=":
            return None
        pl, pr = _path(cond.left, a), _path(cond.right, b)
        if pl is None or pr is None:
            pl, pr = _path(cond.left, b), _path(cond.right, a)
        if pl is None or pl != pr:
            return None
        body = block.body
        if len(body) != 1 or not isinstance(body[0], Return) or len(body[0].exprs) != 1:
            return None
        lv = _compare(body[0].exprs[0], a, b)
        if lv is None or lv[0] != pl:
            return None
        levels.append(lv)
    levels.append(tail)
    return tuple(levels)


def sort_spec(fn):
    """The key levels of a comparator ``Function`` node, or None."""
    if fn.is_vararg or len(fn.params) != 2 or getattr(fn, "is_method", False):
        return None
    a, b = fn.params
    if a == b or "_ENV" in (a, b):
        return None
    return _levels(fn.body.body, a, b)
