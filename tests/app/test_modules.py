"""The data modules (json, yaml, base64, uuid, hash, time), Wippy error
values and the value conversions, driven from Lua."""

import time as _ptime

import pytest

from wippy.runtime.interp import LuaState
from wippy.runtime.values import LuaTable, LuaError, TRUE, FALSE
from wippy.lerrors import (make_errors_module, WippyError, new_error, from_exception,
                           error_value, INTERNAL, INVALID, UNKNOWN)
from wippy.convert import to_python, to_lua, copy_value, text_to_lua, lua_to_text
from wippy.modules import BUILTIN_MODULES, make_module_table, register_module


def U(s):
    """Lua source / string with real text as its UTF-8 bytes."""
    return s.encode("utf-8").decode("latin-1")


@pytest.fixture
def lua():
    st = LuaState(standalone=False)
    st.G["errors"] = make_errors_module()
    for name in ("json", "yaml", "base64", "uuid", "hash", "time"):
        st.G[name] = make_module_table(name)

    def run(src):
        return st.execute(U(src), "@test.lua")
    run.state = st
    return run


# -- errors ------------------------------------------------------------------

def test_errors_constants(lua):
    r = lua("""return errors.UNKNOWN, errors.INVALID, errors.NOT_FOUND, errors.ALREADY_EXISTS,
        errors.PERMISSION_DENIED, errors.UNAVAILABLE, errors.INTERNAL, errors.CANCELED,
        errors.CONFLICT, errors.TIMEOUT, errors.RATE_LIMITED""")
    assert r == ("", "Invalid", "NotFound", "AlreadyExists", "PermissionDenied", "Unavailable",
                 "Internal", "Canceled", "Conflict", "Timeout", "RateLimited")


def test_errors_new_string_defaults(lua):
    r = lua("""local e = errors.new("simple error")
        return e:message(), e:kind(), e:retryable(), e:details(), tostring(e), type(e)""")
    assert r == ("simple error", "", None, None, "simple error", "userdata")


def test_errors_new_table(lua):
    r = lua("""local e = errors.new({message = "not found", kind = errors.NOT_FOUND,
            retryable = false, details = {resource = "user", id = 123}})
        local d = e:details()
        return e:message(), e:kind(), e:retryable(), d.resource, d.id""")
    assert r == ("not found", "NotFound", FALSE, "user", 123)
    assert lua("return errors.new{message='x', retryable=true}:retryable()") == (TRUE,)
    assert lua("return errors.new{kind=errors.INVALID}:message()") == ("",)


def test_errors_new_two_strings_is_lenient(lua):
    r = lua("""local a = errors.new("INVALID", "bad input")
        local b = errors.new("UNAUTHORIZED", "who are you")
        local c = errors.new(errors.NOT_FOUND, "gone")
        return a:kind(), a:message(), errors.is(a, errors.INVALID), b:kind(), b:message(),
            c:kind(), errors.is(c, "NOT_FOUND")""")
    assert r == ("Invalid", "bad input", TRUE, "UNAUTHORIZED", "who are you", "NotFound", TRUE)


def test_errors_new_bad_argument_raises(lua):
    with pytest.raises(LuaError, match="bad argument #1 to 'new'"):
        lua("return errors.new(nil)")


def test_errors_wrap(lua):
    r = lua("""local inner = errors.new({message = "inner error", kind = errors.INVALID,
            retryable = true, details = {code = 42}})
        local outer = errors.wrap(inner, "outer context")
        local twice = errors.wrap(outer, "top")
        return outer:kind(), outer:retryable(), outer:message(), outer:details().code,
            tostring(outer), tostring(twice), errors.is(twice, errors.INVALID),
            errors.is(twice, inner), errors.is(inner, twice)""")
    assert r == ("Invalid", TRUE, "inner error", 42, "outer context: inner error",
                 "top: outer context: inner error", TRUE, TRUE, FALSE)


def test_errors_wrap_string_and_nil(lua):
    r = lua("""local w = errors.wrap("string error", "context")
        return w:message(), w:kind(), tostring(w), errors.wrap(nil, "ctx")""")
    assert r == ("string error", "", "context: string error", None)


def test_errors_is_kind_retryable_details(lua):
    r = lua("""local e = errors.new({message = "timeout", kind = errors.TIMEOUT,
            retryable = true, details = {n = 1}})
        return errors.is(e, errors.TIMEOUT), errors.is(e, errors.NOT_FOUND),
            errors.is("not an error", errors.TIMEOUT), errors.is(nil, errors.TIMEOUT),
            errors.kind(e), errors.retryable(e), errors.details(e).n, errors.kind("x"),
            errors.kind(nil)""")
    assert r == (TRUE, FALSE, FALSE, FALSE, "Timeout", TRUE, 1, "", None)


def test_errors_tostring_and_concat(lua):
    r = lua("""local e = errors.new("test error")
        local e2 = errors.new("another error")
        return tostring(e), "prefix: " .. e, e .. " :suffix", e .. e2, "a" .. e .. "b",
            e .. 1""")
    assert r == ("test error", "prefix: test error", "test error :suffix",
                 "test erroranother error", "atest errorb", "test error1")


def test_errors_concat_with_table_fails(lua):
    with pytest.raises(LuaError, match="attempt to concatenate"):
        lua("return errors.new('x') .. {}")


def test_errors_stack_and_call_stack(lua):
    r = lua("""local function inner_func()
            return errors.new("stack test")
        end
        local function outer_func()
            local e = inner_func()
            return e
        end
        local err = outer_func()
        local cs = errors.call_stack(err)
        return err:stack(), cs.thread, #cs.frames, cs.frames[1].source, cs.frames[1].line,
            cs.frames[1].name, cs.frames[2].line, errors.call_stack("x")""")
    stack, thread, n, src, line, name, line2, none = r
    assert stack.startswith("stack traceback:\n\ttest.lua:2: in ")
    assert "test.lua:5:" in stack
    assert thread == "main"
    assert n == 3 and src == "test.lua" and line == 2 and line2 == 5 and none is None
    assert "inner_func" in name


def test_error_raised_with_error_and_pcall(lua):
    r = lua("""local e = errors.new({message = "structured", kind = errors.INVALID})
        local ok, got = pcall(function() error(e) end)
        return ok, got == e, got:kind()""")
    assert r == (FALSE, TRUE, "Invalid")


def test_error_value_and_from_exception(lua):
    with pytest.raises(LuaError) as ei:
        lua("error(errors.new({message = 'boom', kind = errors.CONFLICT}))")
    e = error_value(ei.value)
    assert isinstance(e, WippyError) and e.kind == "Conflict" and e.message == "boom"
    assert from_exception(ei.value) is e

    with pytest.raises(LuaError) as ei:
        lua("\nerror('plain')")
    e = from_exception(ei.value)
    assert error_value(ei.value) is None
    assert e.message == "test.lua:2: plain" and e.kind == UNKNOWN
    assert from_exception(ei.value, INTERNAL).kind == INTERNAL
    assert e.stack and e.stack[0][:2] == ("test.lua", 2)

    with pytest.raises(LuaError) as ei:
        lua("error({message = 'tbl', code = 7})")
    e = from_exception(ei.value)
    assert e.message == "tbl" and e.details["code"] == 7

    with pytest.raises(LuaError) as ei:
        lua("error()")
    assert from_exception(ei.value).message == "nil"

    e = from_exception(KeyError("missing"))
    assert e.kind == INTERNAL and e.message == "KeyError: 'missing'"
    assert "Traceback" not in e.message and e.retryable is False


def test_from_exception_converts_lua_runtime_errors(lua):
    fn = lua.state.load("local t = nil\nreturn t.x", "@rt.lua")
    try:
        fn()
    except Exception as exc:     # a raw Python exception from compiled code
        e = from_exception(exc)
    assert e.kind == UNKNOWN
    assert e.message == "rt.lua:2: attempt to index a nil value (local 't')"


def test_new_error_helper(lua):
    e = new_error("INVALID", "bad", False)
    assert e.kind == INVALID and e.retryable is False and e.details is None
    lua.state.G["mk"] = lambda: new_error(INVALID, "from python", False)
    r = lua("local e = mk() return e:kind(), e:retryable(), 'x: ' .. e")
    assert r == ("Invalid", FALSE, "x: from python")


# -- conversions -------------------------------------------------------------

def test_to_python_and_to_lua():
    t = LuaTable()
    t[1] = "a"
    t[2] = TRUE
    inner = LuaTable()
    inner["k"] = 1.5
    t[3] = inner
    assert to_python(t) == ["a", True, {"k": 1.5}]
    d = LuaTable()
    d["x"] = 1
    d[5] = 2
    assert to_python(d) == {"x": 1, 5: 2}
    assert to_python(LuaTable()) == []
    cyc = LuaTable()
    cyc["self"] = cyc
    p = to_python(cyc)
    assert p["self"] is p

    v = to_lua({"a": [1, None, 3], "b": True, "c": "é", "d": b"\xff", "e": 2 ** 70, "n": None})
    assert type(v) is LuaTable and v["b"] is TRUE and "n" not in v
    assert v["a"][1] == 1 and 2 not in v["a"] and v["a"][3] == 3
    assert v["c"] == "\xc3\xa9" and v["d"] == "\xff" and v["e"] == float(2 ** 70)
    assert to_lua(False) is FALSE and to_lua((1, 2))[2] == 2
    assert text_to_lua("é€") == "é€".encode().decode("latin-1")
    assert lua_to_text(text_to_lua("é€")) == "é€"
    assert lua_to_text("\xff") == "\ufffd"


def test_copy_value():
    t = LuaTable()
    for i in range(1, 1001):
        t[i] = i
    c = copy_value(t)
    assert dict(c) == dict(t) and c is not t and type(c) is LuaTable and c.length() == 1000

    a = LuaTable()
    a["self"] = a
    shared = LuaTable()
    shared[1] = "s"
    a["x"] = shared
    a["y"] = shared
    k = LuaTable()
    a[k] = "table key"
    c = copy_value(a)
    assert c["self"] is c and c["x"] is c["y"] and c["x"] is not shared
    assert sum(1 for key in c if type(key) is LuaTable) == 1

    e = new_error(INVALID, "e", True, a)
    ce = copy_value(e)
    assert isinstance(ce, WippyError) and ce is not e and ce.kind == INVALID
    assert ce.details is not a and ce.details["self"] is ce.details


def test_copy_value_drops_metatables_and_rejects_functions(lua):
    r = lua("""local t = setmetatable({1}, {__index = function() return 5 end})
        return t""")
    c = copy_value(r[0])
    assert type(c) is LuaTable and c.get(2) is None
    with pytest.raises(LuaError, match="cannot send a function"):
        copy_value(lua("return {f = function() end}")[0])
    with pytest.raises(LuaError, match="cannot send a thread"):
        copy_value(lua("return coroutine.create(function() end)")[0])


def test_copy_value_fast():
    t = LuaTable()
    for i in range(1, 1001):
        t[i] = "v%d" % i
    start = _ptime.perf_counter()
    for _ in range(200):
        copy_value(t)
    per = (_ptime.perf_counter() - start) / 200
    assert per < 0.02      # generous: shared CI machines; typically well under 1 ms


# -- json --------------------------------------------------------------------

def test_json_encode_basics(lua):
    r = lua("""return json.encode(nil), json.encode(true), json.encode(false), json.encode(42),
        json.encode(3.14), json.encode(1.0), json.encode("hello"), json.encode(""),
        json.encode({1, 2, 3}), json.encode({}), json.encode({name = "test"}),
        json.encode({b = 1, a = {x = {}}}), json.encode(1/0), json.encode({0/0, -1/0}),
        json.encode("a\\"b\\n")""")
    assert r == ("null", "true", "false", "42", "3.14", "1", '"hello"', '""', "[1,2,3]", "[]",
                 '{"name":"test"}', '{"a":{"x":[]},"b":1}', "null", "[null,null]",
                 '"a\\"b\\n"')


def test_json_encode_errors(lua):
    r = lua("""local _, e1 = json.encode({[1] = "a", [3] = "c"})
        local _, e2 = json.encode({1, 2, x = 3})
        local t = {} t.self = t
        local _, e3 = json.encode(t)
        local deep = {}
        local cur = deep
        for i = 1, 200 do cur.n = {} cur = cur.n end
        local _, e4 = json.encode(deep)
        local _, e5 = json.encode({f = print})
        local ok = json.encode({a = {1, 2}, b = {1, 2}})
        return e1:kind(), e1:retryable(), e2:kind(), tostring(e2), e3:kind(), tostring(e3),
            e4:kind(), e5:kind(), ok""")
    assert r[0] == "Internal" and r[1] is FALSE and r[2] == "Internal"
    assert "mixed" in r[3] and r[4] == "Internal" and "recursive" in r[5]
    assert r[6] == "Internal" and r[7] == "Internal" and r[8] == '{"a":[1,2],"b":[1,2]}'


def test_json_depth_limit_boundary(lua):
    r = lua("""local function nest(n) local t = {} local c = t
            for i = 2, n do c[1] = {} c = c[1] end return t end
        local a, e1 = json.encode(nest(128))
        local b, e2 = json.encode(nest(129))
        return a ~= nil, e1, b, e2 ~= nil""")
    assert r == (TRUE, None, None, TRUE)


def test_json_decode(lua):
    r = lua("""local v = json.decode('{"name":"Bob","active":true,"n":1,"f":1.5,"e":1e2,'
            .. '"arr":[10,null,30],"nil":null,"obj":{}}')
        return v.name, v.active, math.type(v.n), math.type(v.f), math.type(v.e), v.e,
            v.arr[1], v.arr[2], v.arr[3], v["nil"], next(v.obj), json.decode("null"),
            json.decode("42"), json.decode('"x"'), json.decode("false")""")
    assert r == ("Bob", TRUE, "integer", "float", "float", 100.0, 10, None, 30, None, None,
                 None, 42, "x", FALSE)


def test_json_decode_errors(lua):
    r = lua("""local v1, e1 = json.decode("not valid json")
        local v2, e2 = json.decode("")
        local v3, e3 = json.decode(42)
        local v4, e4 = json.decode("[NaN]")
        local v5, e5 = json.decode('{"a":1} x')
        return v1, e1:kind(), e1:retryable(), v2, e2:kind(), e3:kind(), e4:kind(), e5:kind()""")
    assert r == (None, "Internal", FALSE, None, "Invalid", "Invalid", "Internal", "Internal")


def test_json_big_numbers(lua):
    r = lua("""return math.type(json.decode("9223372036854775807")),
        math.type(json.decode("9223372036854775808")), json.encode(math.maxinteger),
        json.encode(1e300), json.encode(-0.5)""")
    assert r == ("integer", "float", "9223372036854775807", "1e+300", "-0.5")


def test_json_utf8_round_trip(lua):
    r = lua("""local s = json.encode({text = "héllo €", k = "日本"})
        local d = json.decode(s)
        local e = json.decode('"\\\\u00e9\\\\u20ac\\\\ud83d\\\\ude00"')
        return s, d.text, d.k, e, #e""")
    assert r[0] == U('{"k":"日本","text":"héllo €"}')
    assert r[1] == U("héllo €") and r[2] == U("日本")
    assert r[3] == U("é€😀") and r[4] == 2 + 3 + 4


def test_json_invalid_utf8(lua):
    # invalid bytes encode as U+FFFD; decoding keeps raw bytes as they are
    r = lua("""return json.encode("a\\255b"), json.decode('"a\\255b"')""")
    assert r == (U('"a\ufffdb"'), "a\xffb")


def test_json_round_trip(lua):
    r = lua("""local original = {name = "test", value = 123, active = true,
            items = {1, 2, {x = "y"}}, text = "hello\\nworld", f = 2.5}
        local d = json.decode(json.encode(original))
        return d.name, d.value, d.active, d.items[3].x, d.text, d.f, #d.items""")
    assert r == ("test", 123, TRUE, "y", "hello\nworld", 2.5, 3)


def test_json_validate(lua):
    r = lua("""local schema = {type = "object",
            properties = {name = {type = "string"}, age = {type = "number"}},
            required = {"name"}}
        local v1, e1 = json.validate(schema, {name = "John", age = 30})
        local v2, e2 = json.validate(schema, {age = 30})
        local v3, e3 = json.validate(schema, {name = 123})
        local v4, e4 = json.validate('{"type":"object","properties":{"name":{"type":"string"}}}',
            {name = "test"})
        local v5, e5 = json.validate(schema, nil)
        local v6, e6 = json.validate_string(schema, '{"name":"Jane","age":25}')
        local v7, e7 = json.validate_string(schema, '{"age":25}')
        local v8, e8 = json.validate({type = "bogus"}, {})
        local v9, e9 = json.validate('{bad json', {})
        local v10 = json.validate({type = "object", properties = {}}, {a = 1})
        return v1, e1, v2, e2:kind(), e2:retryable(), v3, e3:kind(), v4, e4, v5, e5:kind(),
            tostring(e5), v6, e6, v7, e7:kind(), v8, e8:kind(), v9, e9:kind(), v10,
            e2:details().errors[1].message""")
    assert r[:3] == (TRUE, None, FALSE)
    assert r[3:5] == ("Invalid", FALSE)
    assert r[5:7] == (FALSE, "Invalid")
    assert r[7:9] == (TRUE, None)
    assert r[9:11] == (FALSE, "Invalid") and "data is required" in r[11]
    assert r[12:14] == (TRUE, None)
    assert r[14:16] == (FALSE, "Invalid")
    assert r[16:18] == (FALSE, "Invalid")
    assert r[18:20] == (FALSE, "Invalid")
    assert r[20] is TRUE
    assert "name" in r[21]


def test_json_large_fast(lua):
    r = lua("""local t = {}
        for i = 1, 20000 do t[i] = {id = i, name = "item" .. i, tags = {"a", "b"}, v = i / 2} end
        local s = json.encode(t)
        local d = json.decode(s)
        return #s, #d, d[20000].name, d[3].v""")
    assert r[1] == 20000 and r[2] == "item20000" and r[3] == 1.5


# -- yaml --------------------------------------------------------------------

def test_yaml_encode(lua):
    r = lua("""return yaml.encode({"apple", "banana"}),
        yaml.encode({zebra = 1, alpha = 2, name = "test", kind = "demo"},
            {field_order = {"name", "kind"}, sort_unordered = true}),
        yaml.encode({zebra = 1, alpha = 2, name = "test", kind = "demo"}, {sort_unordered = true}),
        yaml.encode({s = {b = true, a = 1.5}, t = "héllo"}, {sort_unordered = true})""")
    assert r[0] == "- apple\n- banana\n"
    assert r[1] == "name: test\nkind: demo\nalpha: 2\nzebra: 1\n"
    assert r[2] == "alpha: 2\nkind: demo\nname: test\nzebra: 1\n"
    assert r[3] == U("s:\n  a: 1.5\n  b: true\nt: héllo\n")


def test_yaml_encode_errors(lua):
    r = lua("""local v1, e1 = yaml.encode("x")
        local v2, e2 = yaml.encode({f = print})
        return v1, e1:kind(), v2, e2:kind()""")
    assert r == (None, "Invalid", None, "Internal")


def test_yaml_decode(lua):
    r = lua("""local c = yaml.decode([[
server:
  host: localhost
  port: 8080
features:
  - auth
  - logging
ratio: 3.14
enabled: true
legacy: yes
when: 2024-01-02
gone: null
text: "héllo"
]])
        return c.server.host, c.server.port, math.type(c.server.port), c.features[2],
            c.ratio, c.enabled, c.legacy, c.when, c.gone, c.text""")
    assert r == ("localhost", 8080, "integer", "logging", 3.14, TRUE, "yes", "2024-01-02",
                 None, U("héllo"))


def test_yaml_decode_errors(lua):
    r = lua("""local v1, e1 = yaml.decode("")
        local v2, e2 = yaml.decode(42)
        local v3, e3 = yaml.decode("a: [1, 2")
        return v1, e1:kind(), e2:kind(), v3, e3:kind(), e3:retryable()""")
    assert r == (None, "Invalid", "Invalid", None, "Internal", FALSE)


def test_yaml_round_trip(lua):
    r = lua("""local t = yaml.decode(yaml.encode({a = {1, 2, 3}, b = {c = "d"}, n = -4}))
        return t.a[3], t.b.c, t.n""")
    assert r == (3, "d", -4)


# -- base64 ------------------------------------------------------------------

def test_base64(lua):
    r = lua("""local bin = ""
        for i = 0, 255 do bin = bin .. string.char(i) end
        return base64.encode("Hello, World!"), base64.decode("SGVsbG8sIFdvcmxkIQ=="),
            base64.encode(""), base64.decode(""), base64.decode(base64.encode(bin)) == bin,
            base64.decode("SGVs\\nbG8=")""")
    assert r == ("SGVsbG8sIFdvcmxkIQ==", "Hello, World!", "", "", TRUE, "Hello")


def test_base64_errors(lua):
    r = lua("""local v1, e1 = base64.decode("!!!!")
        local v2, e2 = base64.decode("SGVsbG8")
        local v3, e3 = base64.encode(nil)
        local v4, e4 = base64.decode({})
        return v1, e1:kind(), e1:retryable(), v2, e2:kind(), v3, e3:kind(), e4:kind()""")
    assert r == (None, "Invalid", FALSE, None, "Invalid", None, "Invalid", "Invalid")


# -- hash --------------------------------------------------------------------

def test_hash_digests(lua):
    r = lua("""return hash.md5("data"), hash.sha1("data"), hash.sha256("data"),
        #hash.sha512("data"), #hash.md5("data", true), #hash.sha256("data", true),
        hash.hmac_sha256("message", "secret"), #hash.hmac_sha512("m", "k", true),
        hash.hmac_md5("message", "secret"), hash.hmac_sha1("message", "secret")""")
    assert r[0] == "8d777f385d3dfec8815d20f7496026dc"
    assert r[1] == "a17c9aaa61e80a1bf71d0d850af4e5baa9800bbd"
    assert r[2] == "3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7"
    assert r[3:6] == (128, 16, 32)
    assert r[6] == "8b5f48702995c1598c573db1e21866a9b825d4a794d169d7060a03605796360b"
    assert r[7] == 64
    assert r[8] == "7e0d0767775312154ba16fd3af9771a2"
    assert r[9] == "0caf649feee4953d87bf903ac1176c45e028df16"


def test_hash_fnv(lua):
    r = lua("""return hash.fnv32("hello"), hash.fnv32(""), hash.fnv64(""),
        string.format("%x", hash.fnv64("hello")), math.type(hash.fnv64("hello"))""")
    assert r == (0x4F9F2CAB, 0x811C9DC5, -3750763034362895579, "a430d84680aabd0b", "integer")


def test_hash_errors(lua):
    r = lua("""local out = {}
        for _, f in ipairs({"md5", "sha1", "sha256", "sha512", "fnv32", "fnv64"}) do
            local v, e = hash[f](123)
            out[#out + 1] = tostring(v) .. ":" .. e:kind()
        end
        local v, e = hash.hmac_sha256("hello", 123)
        local v2, e2 = hash.hmac_md5(nil, "k")
        return table.concat(out, ","), v, e:kind(), e:retryable(), e2:kind()""")
    assert r == (",".join(["nil:Invalid"] * 6), None, "Invalid", FALSE, "Invalid")


# -- uuid --------------------------------------------------------------------

def test_uuid_generate(lua):
    r = lua("""local a, b = uuid.v4(), uuid.v4()
        local s = uuid.v7()
        local t = {}
        for i = 1, 50 do t[i] = uuid.v7() end
        local sorted = true
        for i = 2, 50 do if t[i] <= t[i - 1] then sorted = false end end
        return a ~= b, uuid.version(a), uuid.version(s), uuid.version(uuid.v1()),
            uuid.variant(a), sorted, #a, uuid.validate(a), uuid.validate(s)""")
    assert r == (TRUE, 4, 7, 1, "RFC4122", TRUE, 36, TRUE, TRUE)


def test_uuid_named(lua):
    r = lua("""local NS_URL = "6ba7b811-9dad-11d1-80b4-00c04fd430c8"
        local NS_DNS = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
        local v, e = uuid.v5("nope", "x")
        return uuid.v5(NS_DNS, "python.org"), uuid.v3(NS_DNS, "python.org"),
            uuid.v5(NS_URL, "a") == uuid.v5(NS_URL, "a"), v, e:kind()""")
    assert r == ("886313e1-3b8a-5372-9b90-0c9aee199e5d", "6fa459ea-ee8a-3ca4-894e-db77e160355e",
                 TRUE, None, "Invalid")


def test_uuid_inspect(lua):
    r = lua("""local id = "886313E1-3B8A-5372-9B90-0C9AEE199E5D"
        local p = uuid.parse(id)
        local v7 = uuid.parse(uuid.v7())
        local v1 = uuid.parse(uuid.v1())
        local f1, e1 = uuid.format(id, "weird")
        local _, e2 = uuid.parse("xyz")
        local ok, e3 = uuid.validate(12)
        return p.version, p.variant, p.timestamp, uuid.format(id), uuid.format(id, "simple"),
            uuid.format(id, "urn"), uuid.validate("{" .. id .. "}"),
            uuid.validate("urn:uuid:" .. id), uuid.validate("886313e13b8a53729b900c9aee199e5d"),
            uuid.validate("886313e1-3b8a-5372-9b90-0c9aee199e5"), uuid.validate("not-a-uuid"),
            f1, e1:kind(), e2:kind(), ok, e3:kind(), math.type(v7.timestamp),
            v7.timestamp, v1.timestamp, #v1.node""")
    now = int(_ptime.time())
    assert r[:6] == (4 + 1, "RFC4122", None, "886313e1-3b8a-5372-9b90-0c9aee199e5d",
                     "886313e13b8a53729b900c9aee199e5d",
                     "urn:uuid:886313e1-3b8a-5372-9b90-0c9aee199e5d")
    assert r[6:11] == (TRUE, TRUE, TRUE, FALSE, FALSE)
    assert r[11:16] == (None, "Invalid", "Invalid", FALSE, "Invalid")
    assert r[16] == "integer" and abs(r[17] - now) <= 2 and abs(r[18] - now) <= 2
    assert r[19] == 12


# -- time --------------------------------------------------------------------

def test_time_methods(lua):
    lua("""local t = time.date(2024, 12, 29, 15, 4, 5, 0, time.utc)
        assert(t:add(time.parse_duration("1h")):hour() == 16)
        assert(t:add("30m"):minute() == 34)
        assert(t:add(time.HOUR):hour() == 16)
        local t2 = time.date(2024, 12, 29, 14, 4, 5, 0, time.utc)
        assert(t:sub(t2):hours() == 1)
        local ad = t:add_date(1, 2, 3)
        assert(ad:year() == 2026 and ad:month() == 3 and ad:day() == 4)
        assert(time.date(2024, 1, 31, 0, 0, 0, 0, time.utc):add_date(0, 1, 0):format("2006-01-02")
            == "2024-03-02")
        local t1 = time.date(2024, 1, 1, 0, 0, 0, 0, time.utc)
        local t3 = time.date(2024, 1, 2, 0, 0, 0, 0, time.utc)
        assert(t1:before(t3) and t3:after(t1) and t1:equal(t1) and not t1:equal(t3))
        assert(t:format("Mon Jan 2 15:04:05 MST 2006") == "Sun Dec 29 15:04:05 UTC 2024")
        assert(t:format_rfc3339() == "2024-12-29T15:04:05Z")
        assert(time.date(1970, 1, 1, 0, 0, 1, 0, time.utc):unix() == 1)
        assert(time.date(1970, 1, 1, 0, 0, 0, 1, time.utc):unix_nano() == 1)
        local y, m, d = t:date()
        assert(y == 2024 and m == 12 and d == 29)
        local h, mi, s = t:clock()
        assert(h == 15 and mi == 4 and s == 5)
        assert(t:weekday() == time.SUNDAY and t:year_day() == 364 and t:nanosecond() == 0)
        assert(tostring(t:location()) == "UTC" and t:location():string() == "UTC")
        assert(not t:is_zero())
        local tr = time.parse("2006-01-02T15:04:05.999999999Z", "2024-01-01T12:34:56.789Z")
        assert(tr:round(time.parse_duration("1s")):format("2006-01-02T15:04:05Z")
            == "2024-01-01T12:34:57Z")
        assert(tr:truncate(time.parse_duration("1m")):format("2006-01-02T15:04:05Z")
            == "2024-01-01T12:34:00Z")
        assert(tostring(tr) == "2024-01-01 12:34:56.789 +0000 UTC")
    """)


def test_time_round_requires_duration(lua):
    with pytest.raises(LuaError, match="Duration expected"):
        lua("return time.now():round(1000)")


def test_time_formats(lua):
    r = lua("""local t = time.date(2009, 11, 10, 23, 4, 5, 123456789, time.utc)
        return t:format(time.RFC3339NANO), t:format(time.RFC1123), t:format(time.KITCHEN),
            t:format(time.STAMP_MILLI), t:format(time.RFC850), t:format(time.DATE_TIME),
            t:format("January _2 06 03:04:05.000 pm -07:00 Z0700"),
            t:format("2006-01-02T15:04:05.999Z07:00"), t:format("002 __2 .00")""")
    assert r == ("2009-11-10T23:04:05.123456789Z", "Tue, 10 Nov 2009 23:04:05 UTC", "11:04PM",
                 "Nov 10 23:04:05.123", "Tuesday, 10-Nov-09 23:04:05 UTC", "2009-11-10 23:04:05",
                 "November 10 09 11:04:05.123 pm +00:00 Z", "2009-11-10T23:04:05.123Z",
                 "314 314 .12")


def test_time_zones(lua):
    r = lua("""local ny, err = time.load_location("America/New_York")
        local t = time.date(2024, 7, 1, 12, 0, 0, 0, time.utc)
        local ist = time.fixed_zone("IST", 5 * 3600 + 30 * 60)
        local w = time.date(2024, 1, 15, 12, 0, 0, 0, ny)
        local _, e1 = time.load_location("Invalid/Location")
        local _, e2 = time.load_location("")
        return err, t:in_location(ny):format(time.RFC3339), t:in_location(ny):format("MST"),
            t:in_location(ist):format(time.RFC822Z), w:utc():hour(), e1:kind(), e1:retryable(),
            e2:kind(), ny:string()""")
    assert r == (None, "2024-07-01T08:00:00-04:00", "EDT", "01 Jul 24 17:30 +0530", 17,
                 "NotFound", FALSE, "Invalid", "America/New_York")


def test_time_parse(lua):
    r = lua("""local t, err = time.parse("2006-01-02 15:04:05", "2024-12-29 15:04:05")
        local k = time.parse(time.KITCHEN, "3:04PM")
        local z = time.parse(time.RFC3339, "2024-07-01T10:00:00-04:00")
        local o = time.parse("15:04:05", "14:30:00")
        local ny = time.load_location("America/New_York")
        local l = time.parse("2006-01-02 15:04", "2024-12-29 14:30", ny)
        local f = time.parse(time.RFC3339, "2024-01-01T00:00:00.5Z")
        local _, e1 = time.parse("2006-01-02", "invalid-date")
        local _, e2 = time.parse("2006-01-02", "2024-02-30")
        local _, e3 = time.parse("2006-01-02", "2024-01-01 extra")
        return err, t:year(), t:month(), t:day(), t:hour(), k:hour(), k:minute(),
            z:utc():format(time.RFC3339), tostring(z), o:year(), o:hour(),
            l:utc():format(time.RFC3339), f:nanosecond(), e1:kind(), e1:retryable(),
            e2:kind(), e3:kind()""")
    assert r == (None, 2024, 12, 29, 15, 15, 4, "2024-07-01T14:00:00Z",
                 "2024-07-01 10:00:00 -0400 -0400", 0, 14, "2024-12-29T19:30:00Z", 500000000,
                 "Invalid", FALSE, "Invalid", "Invalid")


def test_time_durations(lua):
    r = lua("""local d = time.parse_duration("1h30m45s500ms")
        local _, e = time.parse_duration("invalid")
        local _, e2 = time.parse_duration({})
        return d:hours(), d:minutes(), d:seconds(), d:milliseconds(), d:microseconds(),
            d:nanoseconds(), tostring(d), time.parse_duration(time.SECOND):seconds(),
            tostring(time.parse_duration(0)), tostring(time.parse_duration("-1.5h")),
            tostring(time.parse_duration(1500)), tostring(time.parse_duration("2m")),
            time.parse_duration(time.parse_duration("1s")):nanoseconds(), e:kind(),
            e:retryable(), e2:kind(), time.parse_duration("1.5us"):nanoseconds()""")
    assert r == (1.5126388888888889, 90.75833333333334, 5445.5, 5445500, 5445500000,
                 5445500000000, "1h30m45.5s", 1.0, "0s", "-1h30m0s", "1.5\xc2\xb5s", "2m0s",
                 10 ** 9, "Invalid", FALSE, "Invalid", 1500)


def test_time_constants(lua):
    r = lua("""return time.NANOSECOND, time.MICROSECOND, time.MILLISECOND, time.SECOND,
        time.MINUTE, time.HOUR, time.RFC3339, time.DATE_ONLY, time.JANUARY, time.DECEMBER,
        time.SUNDAY, time.SATURDAY, time.STAMP_NANO""")
    assert r == (1, 1000, 10 ** 6, 10 ** 9, 60 * 10 ** 9, 3600 * 10 ** 9,
                 "2006-01-02T15:04:05Z07:00", "2006-01-02", 1, 12, 0, 6,
                 "Jan _2 15:04:05.000000000")


def test_time_now_unix_sleep(lua):
    r = lua("""local a = time.now()
        time.sleep("20ms")
        time.sleep(time.MILLISECOND)
        local el = time.now():sub(a)
        local u = time.unix(1703862245, 500000000)
        local _, e = time.sleep("bogus")
        return el:milliseconds(), a:unix(), u:utc():format(time.RFC3339NANO), e:kind()""")
    assert r[0] >= 20 and abs(r[1] - int(_ptime.time())) <= 2
    assert r[2] == "2023-12-29T15:04:05.5Z" and r[3] == "Invalid"


# -- registry ----------------------------------------------------------------

def test_module_registry():
    assert set(BUILTIN_MODULES) >= {"json", "yaml", "base64", "uuid", "hash", "time"}
    register_module("answer", lambda: LuaTable({"v": 42}))
    try:
        assert make_module_table("answer")["v"] == 42
    finally:
        del BUILTIN_MODULES["answer"]
