-- the io library over real files: open modes, read formats, write, seek,
-- lines, close, errors.  Reads lib_io_data/sample.txt; writes one scratch
-- file in /tmp (overwritten on every run) and temporary files.

local SAMPLE = "lib_io_data/sample.txt"
local SCRATCH = "/tmp/wippy_conformance_lib_io.tmp"

local function show(...)
  local t = table.pack(...)
  for i = 1, t.n do
    local v = t[i]
    if io.type(v) then t[i] = io.type(v)
    elseif type(v) == "string" then t[i] = string.format("%q", v):gsub("\n", "n")
    else t[i] = tostring(v) end
  end
  return table.concat(t, " ", 1, t.n)
end

local function try(label, f, ...)
  print(label, show(pcall(f, ...)))
end

-- opening
print("missing", io.open("lib_io_data/no_such_file.txt"))
print("missing w", io.open("lib_io_data/no_such_dir/x.txt", "w"))
print("dir w", io.open("lib_io_data", "w"))
print("dir r+", io.open("lib_io_data", "r+"))
local d = io.open("lib_io_data")
print("dir r", io.type(d), d:read("l"))
print("dir read a", d:read("a"))
print("dir lines", pcall(d:lines()))
d:close()
for _, m in ipairs({"r", "rb", "r+", "r+b", "rbb", "w", "wb", "a", "ab", "w+", "a+", "a+b"}) do
  local f, e = io.open(m:sub(1, 1) == "r" and SAMPLE or SCRATCH, m)
  print("mode " .. m, io.type(f), e)
  f:close()
end
for _, m in ipairs({"", "x", "rw", "rb+", "+r", "r++", "bw", "r+x", "ra"}) do
  try("bad mode '" .. m .. "'", io.open, SAMPLE, m)
end
try("open no name", io.open)
try("open table", io.open, {})
try("open mode table", io.open, SAMPLE, {})

-- reading
local f = assert(io.open(SAMPLE))
print("read()", show(f:read()))
print("read L", show(f:read("L")))
print("read l l", show(f:read("l", "l")))
print("read n x4", show(f:read("n", "n", "n", "n")))
print("read n", show(f:read("n")))
print("read n", show(f:read("*n")))
print("read l", show(f:read("*l")))
print("read n n n", show(f:read("n", "n", "n")))
print("read 0", show(f:read(0)))
print("read 5", show(f:read(5)))
print("read 1 1 1", show(f:read(1, 1, 1)))
print("read 3", show(f:read(3)))
print("read a", show(f:read("*a")))
print("eof a", show(f:read("a")))
print("eof l", show(f:read("l")))
print("eof L", show(f:read("L")))
print("eof n", show(f:read("n")))
print("eof 0", show(f:read(0)))
print("eof 1", show(f:read(1)))
print("eof a l", show(f:read("a", "l", "a")))
print("eof l a", show(f:read("l", "a")))
print("seek set", f:seek("set"))
print("read 2.0", show(f:read(2.0)))
print("read all-caps", show(f:read("all")))
try("read bad fmt", f.read, f, "x")
try("read bad fmt 2", f.read, f, "l", "z")
try("read table", f.read, f, {})
try("read float", f.read, f, 1.5)
try("read number string", f.read, f, "5")
try("read no self", f.read)
try("read bad self", f.read, 42)
print("seek cur", f:seek(), f:seek("cur", -3), f:seek("cur"))
print("seek end", f:seek("end"), f:seek("end", -4), show(f:read("a")))
print("seek neg", f:seek("set", -1))
print("seek string", f:seek("set", "2"), f:seek("cur", 1.0))
try("seek bad opt", f.seek, f, "start")
try("seek float", f.seek, f, "set", 0.5)
try("seek table", f.seek, f, {})
print("write to r", f:write("x"))
print("flush r", f:flush())
print("setvbuf", f:setvbuf("no"), f:setvbuf("full", 1024), f:setvbuf("line"))
try("setvbuf bad", f.setvbuf, f, "all")
try("setvbuf none", f.setvbuf, f)
print("close", f:close())
print("closed type", io.type(f), tostring(f))
try("close again", f.close, f)
try("read closed", f.read, f)
try("write closed", f.write, f, "x")
try("lines closed", f.lines, f)
try("seek closed", f.seek, f)
try("flush closed", f.flush, f)
try("setvbuf closed", f.setvbuf, f, "no")
print("gc closed", pcall(getmetatable(f).__gc, f))

-- numbers
local t = io.tmpfile()
t:write("0x10 0X1p4 1e2 -.5e-1 5. .e1 0x 00012 1.5e 99999999999999999999 ",
        "9223372036854775807 9223372036854775808 -9223372036854775808 0x7fffffffffffffff ",
        "0xffffffffffffffff 1e500 +-1 --1 " .. ("1"):rep(250) .. " 4")
t:seek("set")
for i = 1, 24 do
  local v = t:read("n")
  io.write(show(v), math.type(v) and "/" .. math.type(v) or "", " ")
  if v == nil then io.write("[", show(t:read(1)), "] ") end
end
print()
t:close()

-- writing
local w = assert(io.open(SCRATCH, "w"))
print("read from w", w:read("a"))
print("lines from w", pcall(w:lines()))
print("write chain", io.type(w:write("a", 1, " ", 2.5, " ", 1.0, " ", -0.0, " ", 1e100, " ", 2^63, " ",
  math.huge, " ", -math.huge, " ", math.mininteger, "\n")))
print("write returns self", w:write() == w, w:write("") == w)
try("write table", w.write, w, "ok", {})
try("write nil", w.write, w, nil)
try("write bool", w.write, w, true)
print("seek w", w:seek("cur"))
w:write("\0\1\255\233tail\n")
print("close w", w:close())
local r = assert(io.open(SCRATCH, "rb"))
print("written", show(r:read("a")))
r:close()

-- append and update modes
local a = assert(io.open(SCRATCH, "a"))
a:write("appended\n")
print("append seek", a:seek("set", 0), a:write("more\n") == a)
a:close()
local ap = assert(io.open(SCRATCH, "a+"))
print("a+ start", show(ap:read("l")))
ap:write("plus\n")
ap:seek("set")
print("a+ lines", select("#", ap:read("a")))
ap:seek("set")
local count = 0
for l in ap:lines() do count = count + 1 end
print("a+ count", count)
ap:close()
local rp = assert(io.open(SCRATCH, "r+"))
rp:write("XY")
rp:seek("set", 0)
print("r+", show(rp:read("l")))
rp:seek("end")
rp:write("end")
rp:seek("set", 0)
print("r+ tail", show(rp:read("a"):sub(-12)))
rp:close()
local wp = assert(io.open(SCRATCH, "w+"))
print("w+ empty", show(wp:read("a")), wp:seek("end"))
wp:write("hello world")
wp:seek("set", 6)
print("w+", show(wp:read(5)), show(wp:read(1)))
wp:seek("set", 5)
wp:write("_")
wp:seek("set")
print("w+ rewrite", show(wp:read("a")))
wp:close()

-- lines
local lf = assert(io.open(SAMPLE))
local n = 0
for l in lf:lines() do n = n + 1; io.write("[", show(l), "]") end
print(" count", n, io.type(lf))
lf:seek("set")
for a, b in lf:lines(4, "l") do io.write("<", show(a), "|", show(b), ">") end
print()
lf:seek("set")
for l in lf:lines("L") do io.write(show(l), ",") end
print()
lf:seek("set")
for a, b, c in lf:lines("l", "n", "l") do print("lnl", show(a, b, c)) end
lf:seek("set")
local it = lf:lines(1)
print("manual", show(it(), it(), it()))
lf:close()
try("iterator after close", it)
print("lines too many", pcall(io.lines, SAMPLE, table.unpack({}, 1, 251)))
print("lines 250", io.type(io.lines(SAMPLE, table.unpack({}, 1, 250))) == nil)

n = 0
for l in io.lines(SAMPLE) do n = n + 1 end
print("io.lines count", n)
for a, b in io.lines(SAMPLE, 6, "n") do print("io.lines 6 n", show(a, b)) break end
try("io.lines missing", io.lines, "lib_io_data/no_such_file.txt")
try("io.lines table", io.lines, {})
local it2 = io.lines(SAMPLE, "q")
try("io.lines bad fmt", it2)
print(pcall(function() for l in io.lines(SAMPLE, "q") do end end))

-- tmpfile
local tf = io.tmpfile()
print("tmpfile", io.type(tf), tf:write("abc\n123"):seek("set"), show(tf:read("l", "n", "l")))
tf:close()

-- metatable
local mt = getmetatable(io.stdout)
-- 5.3: the metatable is its own __index table (5.4 has a separate method table and __close)
print("meta", mt.__name, mt.__index == mt, type(mt.__gc), type(mt.__tostring), rawequal(mt, getmetatable(tf)))
local names = {}
for k in pairs(mt) do names[#names + 1] = k end
table.sort(names)
-- 5.3: the methods are keys of the metatable itself
print("meta keys", table.concat(names, " "))
print("tostring", tostring(tf), (tostring(io.stdout):gsub("0x%x+", "ADDR")))
print("type", type(io.stdout), io.type(io.stdout), io.type(tf), io.type({}), io.type(nil), io.type("file"))
try("io.type none", io.type)
