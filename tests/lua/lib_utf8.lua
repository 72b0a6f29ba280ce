-- the utf8 library (Lua 5.3): char, charpattern, codepoint, codes, len,
-- offset, and their errors

local function show(label, ...)
  local t = table.pack(...)
  local parts = {}
  for i = 1, t.n do parts[i] = tostring(t[i]) end
  print(label, table.concat(parts, " | "))
end
local function bytes(s)
  return table.concat({string.byte(s, 1, -1)}, ",")
end
local function err(label, f, ...)
  local ok, msg = pcall(f, ...)
  print(label, ok, msg)
end

show("char ascii", utf8.char(72, 105), utf8.char(), #utf8.char(0))
show("char bytes", bytes(utf8.char(0x7F, 0x80, 0x7FF, 0x800)))
show("char bytes 2", bytes(utf8.char(0xFFFF, 0x10000, 0x10FFFF)))
show("char surrogate", bytes(utf8.char(0xD800)))
show("char conv", utf8.char("65", 66.0))
-- 5.3: charpattern ends in \xF4 (5.4: \xFD)
show("charpattern", utf8.charpattern == "[\0-\x7F\xC2-\xF4][\x80-\xBF]*", #utf8.charpattern)

local s = "h\u{E9}llo \u{20AC}\u{1F600}!"
show("len", utf8.len(s), #s, utf8.len(""), utf8.len("abc"))
show("len range", utf8.len(s, 3), utf8.len(s, 1, 2), utf8.len(s, -5), utf8.len(s, 8, 7))
show("len mid char", utf8.len(s, 3, 3), utf8.len(s, 2, 2))
show("len invalid", utf8.len("ab\xffcd"), utf8.len("\x80"), utf8.len("a\xC3"))
show("len overlong", utf8.len("\xC0\x80"), utf8.len("\xE0\x80\x80"), utf8.len("\xF0\x80\x80\x80"))
-- 5.3: code points above 0x10FFFF are invalid; surrogates are valid
show("len limits", utf8.len("\xF4\x8F\xBF\xBF"), utf8.len("\xF4\x90\x80\x80"), utf8.len("\xED\xA0\x80"))
show("len 5 bytes", utf8.len("\xF8\x88\x80\x80\x80"))
show("codepoint", utf8.codepoint(s), utf8.codepoint(s, 2), utf8.codepoint(s, -5))
show("codepoint range", utf8.codepoint(s, 1, 4))
show("codepoint all", utf8.codepoint("\u{10FFFF}\0a", 1, -1))
show("codepoint empty", select("#", utf8.codepoint(s, 3, 2)), select("#", utf8.codepoint("", 1, 0)))
show("codepoint mid", utf8.codepoint(s, 2, 3))
show("offset", utf8.offset(s, 1), utf8.offset(s, 2), utf8.offset(s, 3), utf8.offset(s, 9))
show("offset end", utf8.offset(s, 10), utf8.offset(s, 11), utf8.offset("", 1), utf8.offset("", 2))
show("offset neg", utf8.offset(s, -1), utf8.offset(s, -2), utf8.offset(s, -9), utf8.offset(s, -10))
show("offset zero", utf8.offset(s, 0, 3), utf8.offset(s, 0, 2), utf8.offset(s, 0, 10), utf8.offset(s, 0, 14))
show("offset from i", utf8.offset(s, 2, 2), utf8.offset(s, -1, 4), utf8.offset(s, 1, #s + 1))

local out = {}
for p, c in utf8.codes(s) do out[#out + 1] = p .. ":" .. c end
show("codes", table.concat(out, " "))
out = {}
for p, c in utf8.codes("") do out[#out + 1] = p end
show("codes empty", #out)
local f, st, c0 = utf8.codes("a\u{E9}")
show("codes parts", type(f), st == "a\u{E9}", c0)
show("codes iterator", f(st, 0), f(st, 1), select("#", f(st, 2)), select("#", f(st, 3)))
out = {}
for p, c in utf8.codes(12) do out[#out + 1] = p .. ":" .. c end
show("codes number", table.concat(out, " "))
out = {}
for ch in string.gmatch("a\u{E9}\u{20AC}", utf8.charpattern) do out[#out + 1] = #ch end
show("charpattern gmatch", table.concat(out, ","))
local rev = {}
for _, c in utf8.codes("\u{3B1}\u{3B2}\u{3B3}") do table.insert(rev, 1, c) end
show("reverse", bytes(utf8.char(table.unpack(rev))))

-- 5.3: utf8.char accepts at most 0x10FFFF
err("char too big", utf8.char, 0x110000)
err("char negative", utf8.char, -1)
-- 5.3: utf8.char accepts at most 0x10FFFF
err("char second", utf8.char, 65, 0x7FFFFFFF)
err("char float", utf8.char, 1.5)
err("char string", utf8.char, "x")
err("codepoint invalid", utf8.codepoint, "\xff")
err("codepoint continuation", utf8.codepoint, "a\x80", 1, -1)
-- 5.3: 'out of range' (5.4: 'out of bounds'), also for len and offset below
err("codepoint i range", utf8.codepoint, "abc", 0)
err("codepoint j range", utf8.codepoint, "abc", 1, 4)
err("codepoint no string", utf8.codepoint)
err("len i range", utf8.len, "abc", 5)
err("len i zero", utf8.len, "abc", 0)
err("len j range", utf8.len, "abc", 1, 4)
err("len bad type", utf8.len, {})
err("offset continuation", utf8.offset, "\u{E9}", 1, 2)
err("offset range", utf8.offset, "abc", 1, 5)
err("offset range 0", utf8.offset, "abc", 1, 0)
err("offset no n", utf8.offset, "abc")
err("codes nil", utf8.codes, nil)
err("codes invalid", function() for p, c in utf8.codes("ab\xff") do end end)
-- 5.3: utf8.codes rejects a character followed by a stray continuation byte
err("codes continuation", function() for p, c in utf8.codes("a\x80") do end end)
err("codes truncated", function() for p, c in utf8.codes("ok\xE2\x82") do end end)
err("iterator bad state", f, nil, 0)
print("err in lua", pcall(function() return utf8.codepoint("\xC0\x80") end))
print("err in lua 2", pcall(function() return utf8.char(-5) end))
