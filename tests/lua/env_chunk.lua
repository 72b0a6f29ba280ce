-- assigning the chunk's _ENV upvalue redirects every later global access of
-- the chunk, in all of its functions
local G = _G
local print, setmetatable, pcall = print, setmetatable, pcall

function readg() return glob end          -- a global function, in _G
local function readl() return glob end
local function setenv(t) _ENV = t end
local function env() return _ENV end
glob = "old"
local newenv = setmetatable({glob = "new"}, {__index = G})
setenv(newenv)
print(readg(), readl(), glob, G.glob, env() == newenv)
glob2 = 1
print(G.glob2, newenv.glob2, rawget(newenv, "glob2"))
function later() return "later" end
print(G.later, newenv.later ~= nil)

-- a closure created before the change sees it too
local before = (function() return function() return glob end end)()
_ENV = {glob = "third"}
print(before(), readl(), G.readg())
_ENV = G
print(before(), readl(), env() == G)

-- multiple assignment with the chunk's _ENV: old value for the others
local t1 = {}
x1, _ENV = 1, setmetatable(t1, {__index = G})
print(t1.x1, G.x1)
_ENV, x2 = G, 2
print(t1.x2, G.x2)
_ENV = G

-- a non-table environment, then back
local function f() return pcall(function() return undefined end) end
_ENV = nil
print(f())
_ENV = G
print(f())
_ENV = "str"
local ok, up = pcall(function() return upper end)
_ENV = G
print(ok, up == string.upper)

-- the same chunk loaded twice has two _ENV upvalues; one function called twice has one
local src = "local v = ... if v then _ENV = v end return _ENV"
local a, b = load(src), load(src)
local ea = {}
print(a(ea) == ea, a() == ea, b() == G)

-- setmetatable on the running environment
local saved = G
_ENV = setmetatable({}, {__index = function(_, k) return saved[k] or ("?" .. k) end})
print(nothing, type(print))
setmetatable(_ENV, nil)
print2 = saved.print
print2(nothing, type, print2 == saved.print)
