-- the string library basics
local s = "Hello, World"
print("len", string.len(s), #s, s:len(), #"", #"\200\xff")
print("sub", s:sub(1, 5), s:sub(-5), s:sub(-5, -2), s:sub(8), s:sub(0, 3), s:sub(5, 100))
print("sub edge", "[" .. s:sub(3, 2) .. "]", "[" .. s:sub(-100, 2) .. "]", "[" .. s:sub(13) .. "]", s:sub(math.mininteger, math.maxinteger) == s)
print("upper/lower", s:upper(), s:lower(), ("MiXeD 123"):lower())
print("rep", ("ab"):rep(3), ("x"):rep(0), ("x"):rep(-1), ("ab"):rep(3, ","), ("a"):rep(1, "sep"))
print("rep literal", ("x"):rep(3), #string.rep("abc", 100))
print("reverse", s:reverse(), (""):reverse(), ("a"):reverse())
print("byte", s:byte(), s:byte(1, 3), s:byte(-1), s:byte(100), select("#", s:byte(100)))
print("char", string.char(72, 101, 108, 108, 111), string.char())
print("char error", pcall(string.char, -1))
print("method on literal", ("%d items"):format(3), ("abc"):len(), ("x"):upper())
print("string table", string == getmetatable("").__index, type(string.format))
-- find
print("find plain", s:find("World"), s:find("o"), s:find("o", 6), s:find("xyz"))
print("find init", s:find("l", -3), s:find("H", 2), s:find("", 5), s:find("", 100))
print("find special plain", ("a.b"):find(".", 1, true), ("a+b"):find("+", 1, true))
print("find pattern", s:find("%u%l+"), s:find("(%a+), (%a+)"))
-- match
print("match", s:match("%a+"), s:match("(%a+), (%a+)"), s:match("%d"), s:match("()ll()"))
print("match anchors", ("abc"):match("^ab"), ("abc"):match("^bc"), ("abc"):match("bc$"), ("a$b"):match("%$"))
print("match classes", ("  x1_y "):match("%s*(%w+)"), ("k=v"):match("(%w+)=(%w+)"), ("x"):match("%p"))
print("match quantifiers", ("aaab"):match("a*"), ("aaab"):match("a-b"), ("aaab"):match("a+?"), ("<a><b>"):match("<(.-)>"))
print("match sets", ("hello123"):match("[%a]+"), ("x-y"):match("[a-z]%-[a-z]"), ("^x"):match("[%^]"), ("abc"):match("[^a]+"))
print("match balance", ("f(a(b)c)d"):match("%b()"), ("THE (quick) fox"):find("%f[%a]%a+", 5))
print("match backref", ("say 'hi' now"):match("(['\"])(.-)%1"))
-- gmatch
local words = {}
for w in ("one two  three"):gmatch("%a+") do words[#words + 1] = w end
print("gmatch", #words, table.concat(words, "|"))
local kv = {}
for k, v in ("a=1, b=2, c=3"):gmatch("(%w+)=(%w+)") do kv[#kv + 1] = k .. v end
print("gmatch captures", table.concat(kv, " "))
local count = 0
for _ in ("abc"):gmatch("") do count = count + 1 end
print("gmatch empty", count)
-- gsub
print("gsub", s:gsub("o", "0"))
print("gsub limit", s:gsub("l", "L", 2))
print("gsub captures", ("hello world"):gsub("(%w+)", "<%1>"))
print("gsub %0", ("abc"):gsub("%w", "%0%0"))
print("gsub table", ("$name is $age"):gsub("%$(%w+)", { name = "Bob", age = 42 }))
-- 5.3: string * number gives a float, so the replacements are "2.0 4.0 6.0" (5.4: "2 4 6")
print("gsub function", ("1 2 3"):gsub("%d", function(d) return d * 2 end))
print("gsub false keeps", ("a b"):gsub("%w", function(c) if c == "a" then return false end return "X" end))
print("gsub anchored", ("aaa"):gsub("^a", "b"))
print("gsub empty pattern", ("abc"):gsub("", "-"))
print("gsub bad replacement", pcall(string.gsub, "x", "x", "%2"))
print("gsub %% escape", ("50"):gsub("%d+", "%0%%"))
-- format
print("format", string.format("%5s|%-5s|%05.1f|%x|%q", "ab", "cd", 3.14159, 255, "a\"b"))
print("format %s with numbers", string.format("%s %s", 10, 2.5))
print("format errors", pcall(string.format, "%d", 1.5))
print("format %d string", string.format("%d", "42"))
-- comparison and concatenation
print("compare", "a" < "b", "B" < "a", "abc" == "abc", "" == "")
print("concat numbers", 1 .. "", 1.5 .. "|", "x" .. 10 .. "y")
print("tostring of numbers in concat", 2^63 .. "", -0.0 .. "", 100 // 1 .. "")
