"""Goto analysis: how each ``goto`` of a chunk is compiled.

Python has no goto, so two shapes are used:

* continue-style: the label ends the body of the innermost loop around the
  goto (only labels may follow it) and the loop is not a ``repeat``; the
  goto becomes ``continue``;
* general: the block that holds the label is compiled as a small state
  machine (a "wrapper": ``while True:`` around segments split at its
  target labels, guarded by a state variable); a goto sets the state and
  restarts the wrapper, directly with ``continue`` when no Python loop lies
  between them, otherwise by raising ``Goto(label_id)`` which the wrapper
  catches.  This covers forward jumps out of nested loops and backward jumps
  that form loops.

The rules of Lua 5.3 are checked here: a goto needs a visible label in an
enclosing block of the same function (``no visible label 'x' for <goto> at
line N``), labels are unique per function block chain (``label 'x' already
defined on line N``), and a forward goto may not jump into the scope of a
local (``<goto x> at line N jumps into the scope of local 'y'``).
"""

from . import luaast as A
from .errors import LuaSyntaxError

__all__ = ["GotoPlan", "analyze"]

_LOOPS = (A.While, A.NumFor, A.GenFor, A.Repeat)


class GotoPlan:
    def __init__(self):
        self.kind = {}           # id(Goto) -> 'continue' | 'general'
        self.target = {}         # id(Goto) -> (id(stmts list), label id)
        self.label_id = {}       # id(Label) -> int
        self.wrapped = {}        # id(stmts list) -> {label name: label id} of target labels


class _Frame:
    __slots__ = ("stmts", "labels", "loop", "end_labels", "parent", "gotos_inside")

    def __init__(self, stmts, parent, loop):
        self.stmts = stmts
        self.parent = parent
        self.loop = loop            # the loop statement if this is a loop body
        self.labels = {}
        self.end_labels = set()
        for s in reversed(stmts):
            if type(s) is A.Label:
                self.end_labels.add(s.name)
            else:
                break


def analyze(block, chunkname):
    plan = GotoPlan()
    candidates = []      # (goto, frame chain list, target frame, label)
    counter = [0]

    def err(line, msg):
        raise LuaSyntaxError(chunkname, line, msg)

    def visit_function(stmts):
        visit_block(stmts, None, None)

    def visit_block(stmts, parent, loop):
        frame = _Frame(stmts, parent, loop)
        # labels of this block (visible to the whole block)
        for s in stmts:
            if type(s) is A.Label:
                # Lua 5.3 checks repeated labels in the same block only
                if s.name in frame.labels:
                    err(s.line, "label '%s' already defined on line %d" % (
                        s.name, frame.labels[s.name].line))
                frame.labels[s.name] = s
                counter[0] += 1
                plan.label_id[id(s)] = counter[0]
        for idx, s in enumerate(stmts):
            t = type(s)
            if t is A.Goto:
                f = frame
                chain = []
                while f is not None and s.label not in f.labels:
                    chain.append(f)
                    f = f.parent
                if f is None:
                    err(s.line, "no visible label '%s' for <goto> at line %d" % (s.label, s.line))
                chain.append(f)
                label = f.labels[s.label]
                _check_scope(f, s, label, err)
                candidates.append((s, chain, f, label))
            elif t in (A.While, A.NumFor, A.GenFor):
                visit_block(s.body.body, frame, s)
            elif t is A.Repeat:
                visit_block(s.body.body, frame, s)
            elif t is A.Do:
                visit_block(s.body.body, frame, None)
            elif t is A.If:
                for _, b in s.tests:
                    visit_block(b.body, frame, None)
                if s.orelse is not None:
                    visit_block(s.orelse.body, frame, None)
            for fn in _functions_in(s):
                visit_function(fn.body.body)

    visit_function(block.body)

    # classify: continue-style when the label ends the innermost loop body
    kinds = {}
    for g, chain, target, label in candidates:
        ok = (target.loop is not None and type(target.loop) is not A.Repeat
              and g.label in target.end_labels
              and all(f.loop is None for f in chain[:-1]))
        kinds[id(g)] = "continue" if ok else "general"
    while True:
        wrapped = set()
        for g, chain, target, label in candidates:
            if kinds[id(g)] == "general":
                wrapped.add(id(target.stmts))
        changed = False
        for g, chain, target, label in candidates:
            if kinds[id(g)] == "continue" and any(id(f.stmts) in wrapped for f in chain):
                kinds[id(g)] = "general"
                changed = True
        if not changed:
            break
    for g, chain, target, label in candidates:
        plan.kind[id(g)] = kinds[id(g)]
        if kinds[id(g)] == "general":
            lid = plan.label_id[id(label)]
            plan.target[id(g)] = (id(target.stmts), lid)
            plan.wrapped.setdefault(id(target.stmts), {})[label.name] = lid
    return plan


def _check_scope(frame, goto, label, err):
    """A forward goto may not jump into the scope of a local declared
    between the goto and the label in the label's block (unless the label
    is at the end of the block)."""
    stmts = frame.stmts
    try:
        li = next(i for i, s in enumerate(stmts) if s is label)
    except StopIteration:
        return
    # position of the statement of this block that contains the goto
    gi = None
    for i, s in enumerate(stmts):
        if s is goto or _contains(s, goto):
            gi = i
            break
    if gi is None or gi > li:
        return          # backward jump
    if all(type(s) is A.Label for s in stmts[li:]):
        return          # label at the end of the block: void statements only
    for s in stmts[gi + 1:li]:
        if type(s) in (A.Local, A.LocalFunction):
            name = s.names[0] if type(s) is A.Local else s.name
            err(goto.line, "<goto %s> at line %d jumps into the scope of local '%s'" % (
                goto.label, goto.line, name))


def _contains(node, target):
    if node is target:
        return True
    if isinstance(node, A.Function):
        return False
    if isinstance(node, A.Node):
        for f in node._fields:
            if _contains(getattr(node, f), target):
                return True
    elif isinstance(node, (list, tuple)):
        for x in node:
            if _contains(x, target):
                return True
    return False


def _functions_in(node):
    """Function nodes in the expressions of a statement (not in its blocks)."""
    found = []

    def walk(x):
        if isinstance(x, A.Function):
            found.append(x)
            return
        if isinstance(x, A.Block):
            return
        if isinstance(x, A.Node):
            for f in x._fields:
                walk(getattr(x, f))
        elif isinstance(x, (list, tuple)):
            for y in x:
                walk(y)

    if type(node) is A.LocalFunction:
        return [node.func]
    for f in node._fields:
        val = getattr(node, f)
        if isinstance(val, A.Block):
            continue
        if type(node) is A.If and f == "tests":
            for cond, _ in val:
                walk(cond)
            continue
        walk(val)
    return found
