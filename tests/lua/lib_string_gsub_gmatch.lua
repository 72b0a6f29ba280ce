-- string.gsub (string/table/function replacements, %0-%9, max n, anchors)
-- and string.gmatch (captures, position captures, empty matches)

local function show(label, ...)
  local t = table.pack(...)
  local parts = {}
  for i = 1, t.n do parts[i] = tostring(t[i]) end
  print(label, table.concat(parts, " | "))
end

show("gsub plain", string.gsub("hello world", "o", "0"))
show("gsub max n", string.gsub("hello world", "o", "0", 1))
show("gsub n zero", string.gsub("hello", "l", "L", 0))
show("gsub n negative", string.gsub("hello", "l", "L", -1))
show("gsub n float", string.gsub("hello", "l", "L", 1.0))
show("gsub whole %0", string.gsub("abc", "%w", "<%0>"))
show("gsub captures", string.gsub("hello world", "(%w+) (%w+)", "%2 %1"))
show("gsub %1 no caps", string.gsub("abc", "b", "[%1]"))
show("gsub percent", string.gsub("50", "%d+", "%0%%"))
show("gsub anchored", string.gsub("aaa", "^a", "b"))
show("gsub empty pattern", string.gsub("abc", "", "-"))
show("gsub empty matches", string.gsub("abc", "x*", "-"))
show("gsub empty string", string.gsub("", "x*", "y"))
show("gsub poscap", string.gsub("abc", "()", "%1"))
show("gsub table", string.gsub("$name is $age", "%$(%w+)", {name = "Bob", age = 42}))
show("gsub table miss", string.gsub("$x $y", "%$(%w+)", {x = "X"}))
show("gsub table false", string.gsub("$x", "%$(%w+)", {x = false}))
show("gsub table whole", string.gsub("a b", "%w", {a = 1}))
-- 5.3: a replacement function computing `d * 2` on a string gives a float (2.0)
show("gsub func", string.gsub("1 2 3", "%d", function(d) return d * 2 end))
show("gsub func int", string.gsub("1 2 3", "%d", function(d) return math.tointeger(d * 2) end))
show("gsub func nil", string.gsub("a b c", "%w", function(c) if c == "b" then return "B" end end))
show("gsub func two caps", string.gsub("k=v, x=y", "(%w+)=(%w+)", function(k, v) return v .. "=" .. k end))
show("gsub func poscap", string.gsub("abc", "()b()", function(a, b) return a .. ":" .. b end))
show("gsub func float", string.gsub("x", "x", function() return 1.5 end))
show("gsub number repl", string.gsub("abc", "b", 7))
show("gsub number subject", string.gsub(12321, "2", "x"))
show("gsub method", ("a,b,,c"):gsub(",", ";"))
show("gsub trim", ("  pad  "):gsub("^%s+", ""):gsub("%s+$", ""))
show("gsub count only", select(2, string.gsub("the cat the hat", "the", "")))
show("gsub frontier", string.gsub("THE (quick) fox", "%f[%a]%a+", "W"))
show("gsub balanced", string.gsub("f(x) + g(y, z)", "%b()", "()"))
show("gsub special repl", string.gsub("a.b", "%.", "%%"))

local function err(label, f, ...)
  local ok, msg = pcall(f, ...)
  print(label, ok, msg)
end
-- 5.3: the message has no ', got boolean'
err("err bad repl type", string.gsub, "abc", "b", true)
err("err invalid %", string.gsub, "abc", "b", "%x")
err("err invalid cap index", string.gsub, "abc", "(b)", "%2")
err("err func bad result", string.gsub, "abc", "b", function() return {} end)
err("err table bad result", string.gsub, "abc", "b", {b = true})
err("err bad n", string.gsub, "abc", "b", "x", "many")
-- 5.3: the message has no ', got no value'
err("err missing repl", string.gsub, "abc", "b")
show("gsub unclosed capture", ("abc"):gsub("(", ""))
err("err in lua", function() return ("abc"):gsub("%", "") end)

local words = {}
for w in string.gmatch("one two  three", "%a+") do words[#words + 1] = w end
show("gmatch words", table.concat(words, ","), #words)
local pairs_ = {}
for k, v in string.gmatch("a=1, b=2, c=3", "(%w+)=(%w+)") do pairs_[#pairs_ + 1] = k .. ":" .. v end
show("gmatch pairs", table.concat(pairs_, " "))
local pos = {}
for p in string.gmatch("abc", "()") do pos[#pos + 1] = p end
show("gmatch empty positions", table.concat(pos, ","))
local e = {}
for m in string.gmatch("abc", "x*") do e[#e + 1] = "[" .. m .. "]" end
show("gmatch empty matches", table.concat(e))
local anch = {}
for m in string.gmatch("aaa", "^a") do anch[#anch + 1] = m end
show("gmatch anchor is literal in 5.3", #anch)
local it = string.gmatch("x1y2", "%a(%d)")
show("gmatch manual", it(), it(), (it()))
local nums = 0
for n in ("10 20 30"):gmatch("%d+") do nums = nums + tonumber(n) end
show("gmatch sum", nums)
local chars = {}
for c in string.gmatch("h\0i", ".") do chars[#chars + 1] = string.byte(c) end
show("gmatch bytes", table.concat(chars, ","))
err("err gmatch pattern", function() for x in string.gmatch("abc", "[a") do end end)
err("err gmatch arg", string.gmatch, nil, "a")
