"""Dialect pass: every construct of Wippy's typed Lua is removed at the token
level, the remaining tokens keep their positions, plain Lua passes unchanged."""

import glob

import pytest

from wippy.compiler.dialect import strip, strip_types
from wippy.compiler.errors import LuaSyntaxError
from wippy.compiler.lexer import tokenize
from wippy.compiler.parser import parse


def stripped(src):
    """(kind, value) of the tokens left by the dialect pass (without eof)."""
    return [(t.kind, t.value) for t in strip(tokenize(src, "t.lua"), "t.lua", src)][:-1]


def plain(src):
    return [(t.kind, t.value) for t in tokenize(src, "t.lua")][:-1]


def assert_strips_to(typed, expected):
    assert stripped(typed) == plain(expected)
    assert_positions_kept(typed)


def assert_positions_kept(src):
    """Tokens after the pass are original tokens (same line/col), and
    strip_types gives text that lexes to exactly those tokens."""
    original = tokenize(src, "t.lua")
    kept = strip(original, "t.lua", src)
    positions = {(t.line, t.col): t for t in original}
    for tok in kept:
        if tok.kind == "typedecl":
            assert positions[(tok.line, tok.col)].value == "type" or \
                positions[(tok.line, tok.col)].value == "interface"
        elif (tok.line, tok.col) in positions:
            assert positions[(tok.line, tok.col)] == tok
        else:                                 # the '>' or '=' of a split '>>'/'>='
            assert positions[(tok.line, tok.col - 1)].kind in (">>", ">=")
    text = strip_types(src)
    assert len(text) == len(src)
    assert [i for i, c in enumerate(text) if c in "\r\n"] == \
        [i for i, c in enumerate(src) if c in "\r\n"]
    assert tokenize(text, "t.lua") == [t for t in kept if t.kind != "typedecl"]


# ----- the real-code examples quoted in lua-dialect.md ----------------------

REAL_CODE = [
    ("local topic_handlers: {[string]: (any, any, any, any) -> any} = {}",
     "local topic_handlers = {}"),
    ('local val_len: integer = string.unpack(">I2", buf, pos) :: integer',
     'local val_len = string.unpack(">I2", buf, pos)'),
    ("local stats: Stats = {}", "local stats = {}"),
    ("local amount: number = tonumber(body.amount) or 1",
     "local amount = tonumber(body.amount) or 1"),
    ("local function wait(topic: string, timeout: number): (any, string?) end",
     "local function wait(topic, timeout) end"),
    ("local function f(): (any, any, any, any, any, any, any, any, any, any) end",
     "local function f() end"),
    ("local function ask(request: {prompt: string?, system: string?, messages: {any}?}): "
     "string?, string?\n  return nil\nend",
     "local function ask(request)\n return nil\nend"),
    ("function test.eq(actual: any, expected: any, msg: string?) end",
     "function test.eq(actual, expected, msg) end"),
    ("function agent:step(prompt_builder: any, runtime_options: any): (table?, string?) end",
     "function agent:step(prompt_builder, runtime_options) end"),
    ("function ErrorBuilder:with_contract(contract_args: ErrorContract): ErrorBuilder end",
     "function ErrorBuilder:with_contract(contract_args) end"),
    ("type ErrorBuilder = {\n  classifier: (self: ErrorBuilder, fn: ClassifyError) -> ErrorBuilder,\n}",
     None),
    ("type Job = {id: integer, input: integer}", None),
    ("type ExitSignal = {\n  _actor_exit: boolean,\n  result: any,\n}", None),
    ("type ClassifyError = (http_err: any?) -> (string, string, table?)", None),
    ("type StructuredError = any", None),
    ("type T = {\n  topic: string?,\n  terminating?: boolean,\n}", None),
    ("type T = { on_content: ((text: string) -> nil)?, }", None),
    ("type ToolSpec = string | { id: string, alias: string?, description: string?, context: table? }",
     None),
    ("type PromptInput = string | {Message} | table", None),
    ("local function f(): (boolean, BootloaderStats | string) end", "local function f() end"),
    ("type PageDetail = PageInfo & {\n  x: number,\n}", None),
    ("type T = { handler: (any, any, any, any) -> any, }", None),
    ("function test.throws(fn: () -> (), msg: string?): any end",
     "function test.throws(fn, msg) end"),
    ("type ErrorBuilderFactory = (arg: ErrorContract?) -> ErrorBuilder", None),
    ("type T = { tools: {[string]: UnifiedTool}, memory: {string}, }", None),
    ("local KIND_COLORS: {[string]: {fill: string, border: string}} = {}",
     "local KIND_COLORS = {}"),
    ("type T = { created_at: time.Time, }", None),
    ("local entries: {discovery.TestEntry} = raw_entries", "local entries = raw_entries"),
    ("local function p(root: treesitter.Node) end", "local function p(root) end"),
    ("local function get_registry(): typeof(registry) end", "local function get_registry() end"),
    ('local function g(): typeof(require("registry")) end', "local function g() end"),
    ("local ro = runtime_options :: any", "local ro = runtime_options"),
    ("local raw_result, err = (provider_instance as any):generate(contract_args)",
     "local raw_result, err = (provider_instance):generate(contract_args)"),
    ("x = context as {}?", "x = context"),
    ("local plugin_state = state.active_plugins[prefix]!",
     "local plugin_state = state.active_plugins[prefix]"),
    ('x = {created_at = decode_time(hub.created_at, "created_at")!,}',
     'x = {created_at = decode_time(hub.created_at, "created_at"),}'),
    ("function count_keys(t: {[string]: any}): integer end", "function count_keys(t) end"),
    ("local function f(...) end", "local function f(...) end"),
    ("sql.as.null()", "sql.as.null()"),
]


@pytest.mark.parametrize("typed,expected", REAL_CODE)
def test_real_code_examples(typed, expected):
    if expected is None:                       # a type declaration
        toks = strip(tokenize(typed, "t.lua"), "t.lua", typed)
        name = typed.split()[1].split("<")[0]
        assert [(t.kind, t.value, t.line, t.col) for t in toks] == [
            ("typedecl", name, 1, 0), ("eof", None, toks[-1].line, toks[-1].col)]
    else:
        assert_strips_to(typed, expected)
    assert_positions_kept(typed)
    parse(typed, "t.lua")


# ----- each construct -------------------------------------------------------

@pytest.mark.parametrize("typed,expected", [
    # locals
    ("local x: number, y: string = 1, 2", "local x, y = 1, 2"),
    ("local x: number", "local x"),
    ("local a, b: {string}, c", "local a, b, c"),
    ("local c <const>: number = 1", "local c <const> = 1"),
    ("local c: number <close> = f()", "local c <close> = f()"),
    ("local b: Box<Box<string>>= nil", "local b = nil"),
    ("local b: Box<string>= nil", "local b = nil"),
    ("local m: Map<string, Box<number>> = {}", "local m = {}"),
    # params and returns, every kind of function
    ("function f(a: T, b, ...: T) end", "function f(a, b, ...) end"),
    ("function f(): T end", "function f() end"),
    ("function f(): (T1, T2) end", "function f() end"),
    ("function f(): T1, T2 end", "function f() end"),
    ("function f(): () end", "function f() end"),
    ("local function f(x: number): number return x end", "local function f(x) return x end"),
    ("function a.b:c(x: T): R end", "function a.b:c(x) end"),
    ("function a.b.c(x: T) end", "function a.b.c(x) end"),
    ("g(function(x: number): string return x end)", "g(function(x) return x end)"),
    ("local f = function(): () end", "local f = function() end"),
    ("function f(): T\n  (g or h)()\nend", "function f()\n (g or h)()\nend"),
    ("function f() ::top:: end", "function f() ::top:: end"),
    # generics
    ("function f<T, U: C>(x: T): U end", "function f(x) end"),
    ("local function id<T>(x: T): T return x end", "local function id(x) return x end"),
    ("local f = function<T>(x: T): T return x end", "local f = function(x) return x end"),
    ("function f<T: Box<Box<T>>>(x) end", "function f(x) end"),
    ("local x: Box<string> = box", "local x = box"),
    # casts and non-nil
    ("local y = x :: any", "local y = x"),
    ("local y = f(x :: string, z :: {[string]: any})", "local y = f(x, z)"),
    ("local y = (x :: any).field", "local y = (x).field"),
    ("local y = x as Foo?", "local y = x"),
    ("local y = (x as any):m()", "local y = (x):m()"),
    ("local y = f()!", "local y = f()"),
    ("local y = t[k]!.name", "local y = t[k].name"),
    ("local y = (x :: Foo)!", "local y = (x)"),
    ("return a :: string, b as number", "return a, b"),
    ("local s = string(x)", "local s = string(x)"),
    # type expressions
    ("local x: string? = nil", "local x = nil"),
    ("local x: mod.Type = nil", "local x = nil"),
    ("local x: typeof(f(a, (b))) = nil", "local x = nil"),
    ("local x: A | B & C | nil = nil", "local x = nil"),
    ('local x: "a" | "b" | 42 | -1 | 1.5 | true | false | nil = nil', "local x = nil"),
    ("local f: (a: T, U) -> R = nil", "local f = nil"),
    ("local f: (...) -> (R1, R2) = nil", "local f = nil"),
    ("local f: () -> () = nil", "local f = nil"),
    ("local f: (x: number, ...string) -> ...any = nil", "local f = nil"),
    ("local f: ((x: number) -> string)? = nil", "local f = nil"),
    ("local f: fun(a: T): R = nil", "local f = nil"),
    ("local f: fun(a: T, b: U): (R1, R2) = nil", "local f = nil"),
    ("local f: fun() = nil", "local f = nil"),
    ("local r: {name: T, name2?: T, [K]: V, } = {}", "local r = {}"),
    ("local r: {name ? : T} = {}", "local r = {}"),
    ("local m: {[string]: number} = {}", "local m = {}"),
    ("local a: {T} = {}", "local a = {}"),
    ("local e: {} = {}", "local e = {}"),
    ("local a: T[] = {}", "local a = {}"),
    ("local a: T[][] = {}", "local a = {}"),
    ("local a: T[K] = nil", "local a = nil"),
    ("local v: number @min(0) @max(100) = 5", "local v = 5"),
    ('local v: string @pattern("^x$") @nonempty @trim() = s', "local v = s"),
    ("local r: readonly {a: number} = nil", "local r = nil"),
    ("local r: readonly {number} = nil", "local r = nil"),
    ("local r: interface {m: (self: any) -> ()} = nil", "local r = nil"),
    ("local k: keyof(Foo) = 'a'", "local k = 'a'"),
    ("local r: {type: string, as: number, is: boolean, typeof: any} = nil", "local r = nil"),
    ("local a: asserts x is string = nil", "local a = nil"),
    ("local c: T extends string ? X : Y = nil", "local c = nil"),
    ("local c: T extends string? ? X : Y = nil", "local c = nil"),
])
def test_constructs(typed, expected):
    assert_strips_to(typed, expected)
    parse(typed, "t.lua")


@pytest.mark.parametrize("src,name", [
    ("type Name = T", "Name"),
    ("type Box<T> = {value: T}", "Box"),
    ("type Pair<K, V: Comparable> = {key: K, value: V}", "Pair"),
    ("type Nested<T> = Box<Box<T>>", "Nested"),
    ("type F = (x: number) -> (string, number?)", "F"),
    ("type Cond<T> = T extends string ? \"s\" : \"o\"", "Cond"),
    ("interface Shape : Base, Other\n  function area(self: Shape): number\n"
     "  function name(): string\nend", "Shape"),
    ("interface Empty end", "Empty"),
])
def test_type_statements_become_one_typedecl_token(src, name):
    toks = strip(tokenize(src, "t.lua"), "t.lua", src)
    assert [(t.kind, t.value, t.line, t.col) for t in toks[:-1]] == [("typedecl", name, 1, 0)]
    assert_positions_kept(src)


def test_type_statement_positions_and_neighbours():
    src = "local a = 1\n  type X = {a: number,\n b: string}\nprint(a)"
    toks = strip(tokenize(src, "t.lua"), "t.lua", src)
    assert ("typedecl", "X", 2, 2) in [(t.kind, t.value, t.line, t.col) for t in toks]
    assert stripped(src) == [("local", "local"), ("name", "a"), ("=", "="), ("number", 1),
                             ("typedecl", "X"), ("name", "print"), ("(", "("),
                             ("name", "a"), (")", ")")]
    assert_positions_kept(src)


@pytest.mark.parametrize("src", [
    "print(type(x))",
    "local t = type\nx = 1",
    "local t = x.type",
    "t.type = 1",
    "local t = {type = 1}",
    "local type = 1",
    "local function type(x) return x end",
    "function M.type() end",
    "x = obj:type()",
    "sql.as.null()",
    "x = y.as",
    "x:is(1)",
    "local t = {as = 1, is = 2, interface = 3, readonly = 4, typeof = 5, keyof = 6, fun = 7}",
    "local as, is, fun = 1, 2, 3",
    "x = as",
    "local interface = {}\ninterface.x = 1",
    "x = a and b or c",
    "if a ~= b then goto done end ::done::",
    "x = #t ~ 1",
    "for i = 1, 10 do\n  if i % 2 == 0 then goto continue end\n  ::continue::\nend",
])
def test_plain_lua_and_contextual_words_pass_unchanged(src):
    toks = tokenize(src, "t.lua")
    assert strip(toks, "t.lua", src) == toks


def test_plain_lua_files_pass_unchanged():
    files = sorted(glob.glob("/usr/share/luajit-*/jit/*.lua"))
    files += sorted(glob.glob("/usr/share/doc/wrk/examples/scripts/*.lua"))
    if not files:
        pytest.skip("no plain Lua files on this machine")
    for path in files:
        src = open(path, "rb").read().decode("latin-1")
        toks = tokenize(src, path)
        assert strip(toks, path, src) == toks, path


# ----- labels versus casts --------------------------------------------------

def test_labels_next_to_casts():
    src = ("for _, x in ipairs(xs) do\n"
           "  local y = x :: any\n"
           "  if not y then goto continue end\n"
           "  local z = (y :: {string})[1] :: string\n"
           "  ::continue::\n"
           "end\n"
           "::continue_event:: local w = v :: any\n")
    assert stripped(src) == plain(
        "for _, x in ipairs(xs) do\n"
        "  local y = x\n"
        "  if not y then goto continue end\n"
        "  local z = (y)[1]\n"
        "  ::continue::\n"
        "end\n"
        "::continue_event:: local w = v\n")
    assert_positions_kept(src)


def test_name_between_colons_on_one_line_is_a_label_as_in_go_lua():
    # go-lua's lexer rule: after '::', 'NAME ::' on the same line is a label
    assert stripped("x = f() ::a:: y = 1") == plain("x = f() ::a:: y = 1")


def test_label_after_statement_on_same_line():
    assert stripped("f() ::top:: goto top") == plain("f() ::top:: goto top")
    assert stripped("x = 1 ::a:: ::b::") == plain("x = 1 ::a:: ::b::")


def test_cast_followed_by_label_on_next_line():
    src = "local a = b :: T\n::lbl::\nprint(a)"
    assert stripped(src) == plain("local a = b\n::lbl::\nprint(a)")


def test_label_spanning_lines_at_statement_start():
    assert stripped("do ::\nlbl\n:: end") == plain("do ::lbl:: end")


# ----- splitting of '>>' and '>=' -------------------------------------------

def test_split_tokens_keep_true_columns():
    src = "local b: Box<Box<string>>= nil"
    toks = strip(tokenize(src, "t.lua"), "t.lua", src)
    assert [(t.kind, t.col) for t in toks[:-1]] == [("local", 0), ("name", 6), ("=", 25),
                                                   ("nil", 27)]
    assert strip_types(src) == "local b                  = nil"


# ----- strip_types ----------------------------------------------------------

def test_strip_types_blanks_types_and_keeps_lines():
    src = ("type Rec = {\n  a: number,\n  b: string?,\n}\n"
           "local function f(r: Rec,\n                 n: number): (string,\n  number)\n"
           "  return (r :: any).a, n!\nend\n")
    out = strip_types(src)
    assert out.splitlines() == [
        "            ", "            ", "             ", " ",
        "local function f(r     ,", "                 n        )          ",
        "         ", "  return (r       ).a, n ", "end"]
    assert_positions_kept(src)


def test_strip_types_keeps_comments_and_crlf():
    src = "local x: number = 1 -- count\r\nlocal y = x :: any --[[ c ]]\r\n"
    assert strip_types(src) == "local x         = 1 -- count\r\nlocal y = x        --[[ c ]]\r\n"


# ----- errors ---------------------------------------------------------------

@pytest.mark.parametrize("src,message", [
    ("local x: = 1", "t.lua:1: unexpected symbol near '='"),
    ("local x: {a: number = 1", "t.lua:1: '}' expected near '='"),
    ("local x: Box<string = 1", "t.lua:1: '>' expected near '='"),
    ("type X = ", "t.lua:1: unexpected symbol near <eof>"),
    ("type X<T = 1", "t.lua:1: '>' expected near '='"),
    ("local f: (a: number -> R = nil", "t.lua:1: ')' expected near '->'"),
    ("local y = x :: \n", "t.lua:2: unexpected symbol near <eof>"),
    ("local x: typeof(a = 1", "t.lua:1: ')' expected near <eof>"),
])
def test_type_syntax_errors(src, message):
    with pytest.raises(LuaSyntaxError) as info:
        parse(src, "t.lua")
    assert str(info.value) == message


def test_strip_types_raises_lua_errors():
    with pytest.raises(LuaSyntaxError, match="unexpected symbol near '='"):
        strip_types("local x: = 1")
    with pytest.raises(LuaSyntaxError, match="unfinished string"):
        strip_types("local x = 'abc")


def test_deeply_nested_type_is_a_lua_error():
    src = "local x: " + "{" * 300 + "T" + "}" * 300
    with pytest.raises(LuaSyntaxError) as info:
        parse(src, "t.lua")
    assert "too many syntax levels" in str(info.value)
    parse("local x: " + "{" * 50 + "T" + "}" * 50, "t.lua")
