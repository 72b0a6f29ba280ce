"""Lexer: Lua 5.3 numbers, strings, long brackets, comments, line counting,
operators and error messages (worded as Lua's llex.c words them)."""

import math
import pytest

from wippy.compiler.errors import LuaSyntaxError
from wippy.compiler.lexer import Token, tokenize


def kinds(src):
    return [t.kind for t in tokenize(src, "t.lua")[:-1]]


def values(src):
    return [t.value for t in tokenize(src, "t.lua")[:-1]]


def one(src):
    toks = tokenize(src, "t.lua")
    assert len(toks) == 2, toks
    return toks[0].value


def lex_error(src):
    with pytest.raises(LuaSyntaxError) as info:
        tokenize(src, "t.lua")
    return str(info.value)


# ----- tokens ---------------------------------------------------------------

def test_token_is_a_namedtuple_with_kind_value_line_col():
    tok = tokenize("  x", "t.lua")[0]
    assert tok == Token("name", "x", 1, 2)
    assert (tok.kind, tok.value, tok.line, tok.col) == ("name", "x", 1, 2)


def test_token_list_ends_with_eof_at_last_line():
    toks = tokenize("x\n\n  ", "t.lua")
    assert toks[-1] == Token("eof", None, 3, 2)
    assert tokenize("", "t.lua") == [Token("eof", None, 1, 0)]


def test_keywords_and_dialect_words():
    src = "and break do else elseif end false for function goto if in local nil not or repeat return then true until while"
    assert kinds(src) == src.split()
    # dialect words are plain names for the lexer
    assert kinds("type as is interface readonly typeof keyof extends fun") == ["name"] * 9


OPERATORS = ("+ - * / // % ^ # & ~ | << >> == ~= <= >= < > = ( ) { } [ ] :: ; : , . .. ... "
             "-> ? ?: ! @").split()


def test_all_operators():
    assert kinds(" ".join(OPERATORS)) == OPERATORS


def test_operators_longest_match_without_spaces():
    assert kinds("a//b<<c>>d~=e..f...g::h->i?:j") == [
        "name", "//", "name", "<<", "name", ">>", "name", "~=", "name", "..", "name",
        "...", "name", "::", "name", "->", "name", "?:", "name"]
    assert kinds("a~b") == ["name", "~", "name"]
    assert kinds("x!=y") == ["name", "!", "=", "name"]


def test_columns_are_byte_offsets():
    toks = tokenize("local s = 'é' .. x", "t.lua")   # source decoded as latin-1
    assert [(t.kind, t.col) for t in toks[:-1]] == [
        ("local", 0), ("name", 6), ("=", 8), ("string", 10), ("..", 14), ("name", 17)]


# ----- numbers --------------------------------------------------------------

@pytest.mark.parametrize("src,value", [
    ("0", 0), ("42", 42), ("007", 7),
    ("9223372036854775807", 9223372036854775807),
    ("0x10", 16), ("0XfF", 255), ("0xA", 10),
    ("0x7fffffffffffffff", 9223372036854775807),
    ("0xffffffffffffffff", -1),
    ("0x8000000000000000", -9223372036854775808),
    ("0x1ffffffffffffffff", -1),                       # wraps modulo 2^64
    ("0x10000000000000000", 0),
])
def test_integers(src, value):
    v = one(src)
    assert type(v) is int and v == value


@pytest.mark.parametrize("src,value", [
    ("9223372036854775808", 9.2233720368547758e18),    # decimal overflow -> float
    ("18446744073709551616", 1.8446744073709552e19),
    ("3.", 3.0), (".5", 0.5), ("3.25", 3.25), ("1e3", 1000.0), ("1E3", 1000.0),
    ("2.5e-3", 0.0025), ("1e+2", 100.0), (".5e1", 5.0), ("5e0", 5.0),
    ("0x1p4", 16.0), ("0xA.8p0", 10.5), ("0x.1", 0.0625), ("0x1.", 1.0),
    ("0X1P-2", 0.25), ("0xA.8", 10.5), ("0x1p+1", 2.0), ("1e400", math.inf),
])
def test_floats(src, value):
    v = one(src)
    assert type(v) is float and v == value


@pytest.mark.parametrize("src,near", [
    ("3..2", "3..2"), ("0x", "0x"), ("1e", "1e"), ("12abc", "12abc"), ("1e+", "1e+"),
    ("0x1p", "0x1p"), ("1.5.3", "1.5.3"), ("0xep", "0xep"), (".5e", ".5e"),
    ("12xyz", "12x"), ("3_000", "3_"), ("0x1g", "0x1g"), ("0x.", "0x."),
])
def test_malformed_numbers(src, near):
    assert lex_error("x = " + src) == f"t.lua:1: malformed number near '{near}'"


def test_number_followed_by_concat():
    assert values("1 .. 2") == [1, "..", 2]
    assert kinds("a..5") == ["name", "..", "number"]


# ----- short strings --------------------------------------------------------

@pytest.mark.parametrize("src,value", [
    (r'"abc"', "abc"), (r"'a\"b'", 'a"b'), (r'"a\'b"', "a'b"),
    (r'"\a\b\f\n\r\t\v\\\"\'"', "\a\b\f\n\r\t\v\\\"'"),
    (r'"\65\066\0067"', "AB\x067"), (r'"\0"', "\0"), (r'"\255"', "\xff"),
    (r'"\200"', chr(200)), (r'"\226\151\134"', "\xe2\x97\x86"),
    (r'"\x41\x7a\xFF"', "Az\xff"), (r'"\xe9"', "\xe9"),
    (r'"\u{41}"', "A"), (r'"\u{e9}"', "\xc3\xa9"), (r'"\u{20AC}"', "\xe2\x82\xac"),
    (r'"\u{10FFFF}"', "\xf4\x8f\xbf\xbf"),
    (r'"\u{7FFFFFFF}"', "\xfd\xbf\xbf\xbf\xbf\xbf"),
    (r'"\u{0000041}"', "A"),
    ('"a\\z   \n\t  b"', "ab"), ('"a\\z"', "a"),
    ('"a\\\nb"', "a\nb"), ('"a\\\r\nb"', "a\nb"), ('"a\\\n\rb"', "a\nb"),
    ('"a\\\rb"', "a\nb"), ('"a\\\n\nb"', None),
    ("'\xe9t\xe9'", "\xe9t\xe9"),
])
def test_short_string_escapes(src, value):
    if value is None:                 # an escaped newline followed by a raw one
        assert lex_error(src) == "t.lua:2: unfinished string near '\"a\n'"
        return
    assert one(src) == value


def test_backslash_newline_counts_lines():
    toks = tokenize('x = "a\\\r\nb\\z\n\n  c" y', "t.lua")
    assert toks[2].value == "a\nbc"
    assert (toks[2].line, toks[3].line, toks[3].col) == (1, 4, 5)


@pytest.mark.parametrize("src,message", [
    (r'x = "a\qb"', "invalid escape sequence near '\"a\\q'"),
    (r'x = "\300"', "decimal escape too large near '\"\\300\"'"),
    (r'x = "\9999"', "decimal escape too large near '\"\\9999'"),
    (r'x = "\256"', "decimal escape too large near '\"\\256\"'"),
    (r'x = "\xZZ"', "hexadecimal digit expected near '\"\\xZ'"),
    (r'x = "\x5"', "hexadecimal digit expected near '\"\\x5\"'"),
    (r'x = "\x"', "hexadecimal digit expected near '\"\\x\"'"),
    (r'x = "\u123"', "missing '{' near '\"\\u1'"),
    (r'x = "\u{}"', "hexadecimal digit expected near '\"\\u{}'"),
    (r'x = "\u{12x"', "missing '}' near '\"\\u{12x'"),
    (r'x = "\u{80000000}"', "UTF-8 value too large near '\"\\u{80000000'"),
    ('x = "abc', "unfinished string near <eof>"),
    ("x = 'abc", "unfinished string near <eof>"),
    ('x = "abc\ny"', "unfinished string near '\"abc'"),
    ('x = "abc\r"', "unfinished string near '\"abc'"),
    ('x = "\\', "unfinished string near <eof>"),
    ('x = "\\z', "unfinished string near <eof>"),
])
def test_string_errors(src, message):
    assert lex_error(src) == "t.lua:1: " + message


def test_escape_error_reports_line_after_escaped_newlines():
    assert lex_error('x = "a\\\nb\\q"') == "t.lua:2: invalid escape sequence near '\"a\nb\\q'"


# ----- long strings and comments -------------------------------------------

@pytest.mark.parametrize("src,value", [
    ("[[abc]]", "abc"), ("[[]]", ""), ("[==[a]]b]=]c]==]", "a]]b]=]c"),
    ("[[\nabc]]", "abc"), ("[[\r\nabc]]", "abc"), ("[[\n\rabc]]", "abc"),
    ("[[\rabc]]", "abc"), ("[[\n\nabc]]", "\nabc"), ("[[ \nabc]]", " \nabc"),
    ("[[a\r\nb\n\rc\rd\ne]]", "a\nb\nc\nd\ne"), ("[=[\\n]=]", "\\n"),
    ("[[\xe9\x00]]", "\xe9\x00"),
])
def test_long_strings(src, value):
    assert one(src) == value


def test_long_string_lines():
    toks = tokenize("x = [[\na\r\nb\n\rc]] y", "t.lua")
    assert toks[2].line == 1 and toks[3].line == 4 and toks[3].col == 4


@pytest.mark.parametrize("src,message", [
    ("x = [==[ abc", "t.lua:1: unfinished long string (starting at line 1) near <eof>"),
    ("x = [[\nabc\n", "t.lua:3: unfinished long string (starting at line 1) near <eof>"),
    ("x = [==[ abc ]=]", "t.lua:1: unfinished long string (starting at line 1) near <eof>"),
    ("--[[ abc", "t.lua:1: unfinished long comment (starting at line 1) near <eof>"),
    ("\n--[==[ a\nb", "t.lua:3: unfinished long comment (starting at line 2) near <eof>"),
    ("x = [=a", "t.lua:1: invalid long string delimiter near '[='"),
    ("x = [==", "t.lua:1: invalid long string delimiter near '[=='"),
])
def test_long_bracket_errors(src, message):
    assert lex_error(src) == message


def test_comments():
    assert kinds("a -- comment\nb --[[ long\ncomment ]] c --[==[ x ]] ]==] d") == ["name"] * 4
    assert kinds("a --[= not long\nb") == ["name", "name"]
    assert kinds("a --[\nb") == ["name", "name"]
    toks = tokenize("a --[[\n\n]] b", "t.lua")
    assert toks[1].line == 3


def test_index_with_bracket_is_not_long_string():
    assert kinds("t[ [[x]] ]") == ["name", "[", "string", "]"]
    assert kinds("t[1]") == ["name", "[", "number", "]"]


# ----- lines ----------------------------------------------------------------

@pytest.mark.parametrize("sep,lines", [
    ("\n", 1), ("\r", 1), ("\r\n", 1), ("\n\r", 1), ("\n\n", 2), ("\r\r", 2),
    ("\r\n\r\n", 2), ("\n\r\n", 2), ("\n\r\n\r", 2), ("\r\n\n", 2),
])
def test_line_breaks(sep, lines):
    toks = tokenize("a" + sep + "b", "t.lua")
    assert toks[1].line == 1 + lines and toks[1].col == 0


def test_shebang_line_is_skipped_and_counted():
    toks = tokenize("#!/usr/bin/env lua\nprint(1)", "t.lua")
    assert toks[0] == Token("name", "print", 2, 0)
    assert tokenize("# anything ' \" [[\nx", "t.lua")[0] == Token("name", "x", 2, 0)
    assert kinds("#!only") == []


def test_stray_characters():
    assert kinds("$ \\ `") == ["$", "\\", "`"]


# ----- against the reference implementation ---------------------------------

LEXER_ERRORS = [
    'x = "abc', 'x = "abc\ny', r'x = "a\qb"', r'x = "\300"', 'x = 3..2', 'x = 0x',
    'x = 12abc', 'x = 12xyz', 'x = [==[ abc', '--[[ abc', 'x = [=a',
    r'x = "\u{80000000}"', r'x = "\u123"', r'x = "\xZZ"', r'x = "\x5"', 'x = 1e+',
    r'x = "\9999"', "x = [[\nabc", 'x = "\xe9" + \xf1',
]


@pytest.mark.parametrize("src", LEXER_ERRORS)
def test_errors_match_luac(luac_error, src):
    from wippy.compiler.parser import parse
    with pytest.raises(LuaSyntaxError) as info:
        parse(src, "t.lua")
    assert str(info.value) == luac_error(src)
