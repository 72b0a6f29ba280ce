-- os.setlocale, os.getenv, os.exit (buffered output is written on exit)

local function try(label, f, ...)
  print(label, pcall(f, ...))
end

print("query", os.setlocale(), os.setlocale(nil), os.setlocale(nil, "all"))
print("set C", os.setlocale("C"), os.setlocale("C", "numeric"), os.setlocale("C", "time"))
print("POSIX", os.setlocale("POSIX"))
print("categories", os.setlocale(nil, "collate"), os.setlocale(nil, "ctype"), os.setlocale(nil, "monetary"))
print("unknown", os.setlocale("xx_NOWHERE.bogus"), os.setlocale("xx_NOWHERE.bogus", "time"))
print("after unknown", os.setlocale())
try("bad category", os.setlocale, "C", "colors")
try("number category", os.setlocale, "C", 5)
try("table locale", os.setlocale, {})
print(pcall(function() return os.setlocale(nil, "LC_ALL") end))

print("getenv PATH", type(os.getenv("PATH")))
print("getenv unset", os.getenv("WIPPY_SURELY_UNSET_VARIABLE_42"))
try("getenv number", os.getenv, 42)
try("getenv table", os.getenv, {})
try("exit string", os.exit, "x")
try("exit float", os.exit, 1.5)

io.write("written before exit; ")
io.stdout:setvbuf("full")
io.write("still buffered")
os.exit(true, true)
print("not reached")
