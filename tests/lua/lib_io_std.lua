-- the standard files and the default input/output files: io.write/io.read,
-- io.input/io.output by name or handle, io.close, io.lines without a name.
-- Reads lib_io_data/sample.txt; writes one scratch file in /tmp.

local SAMPLE = "lib_io_data/sample.txt"
local SCRATCH = "/tmp/wippy_conformance_lib_io_std.tmp"

local function try(label, f, ...)
  print(label, pcall(f, ...))
end

print("types", io.type(io.stdin), io.type(io.stdout), io.type(io.stderr), type(io.stdin))
print("defaults", io.input() == io.stdin, io.output() == io.stdout)
print("write returns stdout", io.write("a", 1, " ", 2.0, " ", -1.5, " ", 1e15, " ", 0.1, "\n") == io.stdout)
print("chain", io.write("x"):write("y"):write("\n") == io.stdout)
print("stdout write", io.stdout:write("via method\n") == io.stdout)
print("flush", io.flush(), io.stdout:flush())
print("stderr", io.stderr:write("") == io.stderr)
io.stdout:flush()
io.stderr:write("to stderr\n")
print("setvbuf stdout", io.stdout:setvbuf("line"), io.stdout:setvbuf("full"))
print("read stdout", io.stdout:read())
print("write stdin", io.stdin:write("x"))
print("close stdout", io.stdout:close())
print("close stderr", io.stderr:close())
print("io.close default", io.close())
print("still open", io.type(io.stdout))
try("io.write table", io.write, "ok ", {})
print()
try("io.write nil", io.write, nil)
print(pcall(function() io.write("a", true) end))
try("io.close bad", io.close, 42)
try("io.close nil", io.close, nil)

-- default output redirected to a file
local out = io.output(SCRATCH)
print("output by name", io.type(out), io.output() == out, out ~= io.stdout)
io.write("line one\n", 2, "\n", 3.5, "\n")
print("io.write to file", io.write("last") == out)
print("io.close", io.close())
print("closed default", io.type(out))
-- 5.3: "standard ... file is closed" (5.4 says "default ... file is closed")
try("io.write closed", io.write, "x")
print(pcall(function() io.write("x") end))
try("io.flush closed", io.flush)
try("io.output closed", io.output, out)
print("restore", io.output(io.stdout) == io.stdout)
io.write("back on stdout\n")

-- default input redirected to a file
print("input by name", io.type(io.input(SCRATCH)))
print("io.read", io.read())
print("io.read n", io.read("n", "n"))
print("io.read L", io.read("L"))
print("io.read a", io.read("a"))
print("io.read eof", io.read(), io.read("a"), io.read(0))
io.input(SAMPLE)
local n = 0
for l in io.lines() do n = n + 1 end
print("io.lines default", n, io.type(io.input()))
io.input():seek("set")
for a, b in io.lines(nil, 5, 6) do print("io.lines nil fmts", a, b) break end
local inp = io.input()
print("io.close input", io.close(inp), io.type(inp))
-- 5.3: "standard ... file is closed" (5.4 says "default ... file is closed")
try("io.read closed", io.read)
print(pcall(function() return io.read("l") end))
try("io.lines closed", io.lines)
try("io.input closed", io.input, inp)
print(pcall(function() return io.lines() end))
print("restore input", io.input(io.stdin) == io.stdin)

-- opening through io.input/io.output
local f = io.open(SCRATCH, "w")
print("io.output(handle)", io.output(f) == f)
io.write("through handle\n")
io.output(io.stdout)
f:close()
for l in io.lines(SCRATCH) do print("read back", l) end
try("io.input missing", io.input, "lib_io_data/no_such_file.txt")
print(pcall(function() return io.input("lib_io_data/no_such_file.txt") end))
try("io.output dir", io.output, "lib_io_data")
try("io.input table", io.input, {})
try("io.output bool", io.output, true)
print("io.input nil", io.input(nil) == io.stdin, io.output(nil) == io.stdout)
print("done")
