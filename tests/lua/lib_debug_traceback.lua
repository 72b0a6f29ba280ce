-- debug.traceback names each level as lua5.3 does: a name found in
-- package.loaded first (function 'glob', function 'mod.fn'), else how the
-- calling code names it (local, upvalue, field, method, metamethod, for
-- iterator, hook), else main chunk / function <file:line>.  No call here is
-- a tail call (Lua prints "(...tail calls...)" for those).
local t = {}
function t.field() print(debug.traceback("m")) end
function t:meth() t.field() local r = 1 return r end
local function loc() t:meth() local r = 1 return r end
local function up() loc() local r = 1 return r end
function glob() up() local r = 1 return r end
pcall(glob)
coroutine.wrap(function() glob() end)()

-- a function of a loaded module, an anonymous function
package.loaded.tbmod = {run = function(f) local r = f() return r end}
print(require("tbmod").run(function() local r = debug.traceback("in mod") return r end))

-- metamethods, library callbacks, iterators, message handlers
local mt = setmetatable({}, {__index = function(_, k) local r = debug.traceback(k) return r end,
                             __add = function() local r = debug.traceback("add") return r end})
-- 5.3: metamethods are named with their underscores (metamethod '__index')
print(mt.key)
print(mt + 1)
print(string.gsub("a", "a", function() local r = debug.traceback("gsub") return r end))
table.sort({3, 2, 1}, function(a, b) if a == 3 then print(debug.traceback("sort")) end return a < b end)
for _ in function() print(debug.traceback("iter")) return nil end do end
print(select(2, xpcall(function() local x = nil; return x.y end, debug.traceback)))
print(select(2, xpcall(function() error("e") end, debug.traceback)))

-- levels, threads, long stacks
print(debug.traceback("lvl0", 0))
print(debug.traceback("lvl3", 3))
local co = coroutine.create(function(a) local function deep() coroutine.yield() end deep() end)
coroutine.resume(co)
print(debug.traceback(co))
print(debug.traceback(co, "msg", 1))
local function rec(n) if n == 0 then return debug.traceback("deep") end local r = rec(n - 1) return r end
-- 5.3: the elided middle of a long traceback is a bare "..."
print(rec(30))

-- inside a hook
local seen
debug.sethook(function() if not seen then seen = debug.traceback("hook") end end, "l")
local _ = 1
debug.sethook()
print(seen)
