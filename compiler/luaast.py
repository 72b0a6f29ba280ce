"""Lua abstract syntax tree: the contract between the parser and the code generator.

Every node carries ``line`` (1-based) and ``col`` (0-based byte column in the
source, which is decoded as latin-1 so one character is one byte).  Function
nodes also carry ``end_line`` (the line of their closing ``end``).

Strings are Python ``str`` values whose characters are the raw bytes of the
Lua string (code points 0-255).  Numbers are Python ``int`` (already wrapped
to signed 64 bits) or ``float``.

Type syntax of Wippy's dialect never reaches this tree: the dialect pass
removes it at the token level.
"""

__all__ = [
    "Node", "Block",
    # expressions
    "Nil", "TrueExpr", "FalseExpr", "Number", "String", "Vararg", "Function",
    "Table", "BinOp", "UnOp", "Name", "Index", "Call", "Method", "Paren",
    # statements
    "Local", "LocalFunction", "Assign", "CallStat", "Do", "While", "Repeat",
    "If", "NumFor", "GenFor", "Return", "Break", "Goto", "Label", "TypeDecl",
]


class Node:
    __slots__ = ("line", "col")
    _fields = ()

    def __init__(self, *args, line=0, col=0):
        for name, value in zip(self._fields, args):
            setattr(self, name, value)
        self.line = line
        self.col = col

    def __repr__(self):
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({inner})@{self.line}:{self.col}"


def _node(name, fields, base=Node):
    cls = type(name, (base,), {"__slots__": tuple(fields), "_fields": tuple(fields)})
    return cls


# A block is a list of statements plus the position of its end.
Block = _node("Block", ["body"])                 # body: list[stmt]

# ----- expressions ---------------------------------------------------------
Nil = _node("Nil", [])
TrueExpr = _node("TrueExpr", [])
FalseExpr = _node("FalseExpr", [])
Number = _node("Number", ["value"])              # int (wrapped to int64) or float
String = _node("String", ["value"])              # str of bytes (latin-1)
Vararg = _node("Vararg", [])
# params: list[str]; is_vararg: bool; body: Block; name: str|None (for messages,
# e.g. "f", "a.b", "obj:m"); end_line: int; is_method: bool (first param 'self'
# was added implicitly).
Function = _node("Function", ["params", "is_vararg", "body", "name", "end_line", "is_method"])
# items: list of (kind, key, value): kind 'pos' (key None), 'named' (key str), 'expr' (key expr)
Table = _node("Table", ["items"])
# op: '+' '-' '*' '/' '//' '%' '^' '..' '==' '~=' '<' '<=' '>' '>=' 'and' 'or'
#     '&' '|' '~' '<<' '>>'
BinOp = _node("BinOp", ["op", "left", "right"])
UnOp = _node("UnOp", ["op", "operand"])          # op: '-' 'not' '#' '~'
Name = _node("Name", ["name"])
Index = _node("Index", ["obj", "key"])           # a.b is Index(a, String('b')); position of '.'/'['
Call = _node("Call", ["func", "args"])           # args: list[expr]; position of '(' / '{' / string arg
Method = _node("Method", ["obj", "name", "args"])  # obj:name(args); name: str; position of ':'
Paren = _node("Paren", ["expr"])                 # (expr): truncates to one value

# ----- statements ----------------------------------------------------------
Local = _node("Local", ["names", "attribs", "exprs"])   # attribs: list[str|None] ('const'/'close')
LocalFunction = _node("LocalFunction", ["name", "func"])
Assign = _node("Assign", ["targets", "exprs"])  # targets: Name | Index
CallStat = _node("CallStat", ["call"])          # call: Call | Method
Do = _node("Do", ["body"])                       # body: Block
While = _node("While", ["cond", "body"])
Repeat = _node("Repeat", ["body", "cond"])
If = _node("If", ["tests", "orelse"])           # tests: list[(cond, Block)]; orelse: Block|None
NumFor = _node("NumFor", ["var", "start", "stop", "step", "body"])   # var: str; step may be None
GenFor = _node("GenFor", ["names", "exprs", "body"])               # names: list[str]
Return = _node("Return", ["exprs"])
Break = _node("Break", [])
Goto = _node("Goto", ["label"])
Label = _node("Label", ["name"])
TypeDecl = _node("TypeDecl", ["name"])          # Wippy `type Name = ...` (kept as a name only)
