-- require and package: standard libraries by name, Lua modules along
-- package.path (modules in lib_require_mods/), package.preload, searchers,
-- searchpath, the error listing every place tried.

package.path = "./lib_require_mods/?.lua;./lib_require_mods/?/init.lua"
package.cpath = "./lib_require_mods/?.so;./lib_require_mods/c_?.so"

local function try(label, f, ...)
  print(label, pcall(f, ...))
end

local names = {}
for k in pairs(package.loaded) do names[#names + 1] = k end
table.sort(names)
-- 5.3: bit32 is a standard library
print("loaded", table.concat(names, " "))
names = {}
for k in pairs(package) do names[#names + 1] = k end
table.sort(names)
print("package", table.concat(names, " "))
print("std", require("string") == string, require("table") == table, require("math") == math,
      require("io") == io, require("os") == os, require("coroutine") == coroutine,
      require("debug") == debug, require("utf8") == utf8,
      require("_G") == _G, require("package") == package)
-- 5.3: bit32 is a standard library
print("bit32", pcall(require, "bit32") and require("bit32") == bit32)
print("config", (package.config:gsub("\n", "|")))
print("searchers", #package.searchers, type(package.searchers[1]), type(package.searchers[4]))
print("loaded is registry", package.loaded._G == _G, package.loaded.package == package)

local m = require("plain")
print("plain", m.name, m.file, package.loaded.plain == m)
print("again", require("plain") == m, plain_loads)
print("results", select("#", require("plain")))
print("nothing", require("nothing"), package.loaded.nothing)
print("setsloaded", require("setsloaded"), package.loaded.setsloaded)
print("returnsfalse", require("returnsfalse"), package.loaded.returnsfalse, falsy_loads)
print("reload false", require("returnsfalse"), falsy_loads)
print("multi", require("multi"), package.loaded.multi)
local sub = require("pkg.sub")
print("pkg.sub", sub.sub, sub.parent_init, package.loaded["pkg.sub"] == sub)
local pkg = require("pkg")
print("pkg", pkg.init, pkg.args.n, pkg.args[1], pkg.args[2])
package.loaded.plain = nil
print("unloaded", require("plain") ~= m, plain_loads)

try("missing", require, "no_such_module")
print(pcall(function() return require("no.such.module") end))
try("syntax error", require, "syntaxerr")
try("runtime error", require, "rterr")
try("directory", require, "dirmod")
try("no name", require)
try("table name", require, {})
print("number name", pcall(require, 42))

-- preload
-- 5.3: a preload loader gets nil as its second argument (5.4: ":preload:")
package.preload.pre = function(...)
  print("preload loader", select("#", ...), ...)
  return {preloaded = true}
end
print("preload", require("pre").preloaded, package.loaded.pre.preloaded)
package.preload.prefalse = function() return nil end
-- 5.3: require returns one value (5.4 also returns the loader data)
print("preload nil", require("prefalse"))
package.preload.preerr = function() error("loader failed") end
try("preload error", require, "preerr")

-- searchpath
print("searchpath", package.searchpath("plain", package.path))
print("searchpath dots", package.searchpath("pkg.sub", package.path))
print("searchpath init", package.searchpath("pkg", package.path))
-- 5.3: the list of files tried starts with "\n\t" (and the same below); an empty template is skipped
print("searchpath miss", package.searchpath("a.b.c", "x/?.lua;;y/?/?.z"))
print("searchpath sep", package.searchpath("a_b", "q/?.lua", "_", "-"))
print("searchpath no sep", package.searchpath("a.b", "q/?.lua", ""))
print("searchpath empty", package.searchpath("a", ""))
try("searchpath none", package.searchpath)
try("searchpath one", package.searchpath, "x")

-- the searchers themselves
local s = package.searchers
-- 5.3: searcher messages start with "\n\t"
print("preload searcher", s[1]("nope"))
print("lua searcher", s[2]("nope"))
local loader, file = s[2]("plain")
print("lua searcher hit", type(loader), file)
print("c searcher", s[3]("nope"))
print("croot searcher", s[4]("nope"), select("#", s[4]("nope")))
print("croot searcher dotted", s[4]("nope.x"))

-- custom searchers
package.searchers = {
  function(name) return nil end,
  function(name) return "\n\tcustom said no to " .. name end,
  function(name) return 42 end,
  function(name) if name == "virtual" then return function(...) return {args = {...}} end, "data" end end,
}
local v = require("virtual")
print("custom loader", v.args[1], v.args[2])
-- 5.3: the messages of the searchers are concatenated as they are (5.4 separates them)
try("custom not found", require, "other")
package.searchers = {}
try("no searchers", require, "zzz")
package.searchers = nil
try("searchers nil", require, "zzz")
print("loaded still works", require("plain") ~= nil)
package.searchers = s

-- bad package.path / cpath
local oldpath = package.path
package.path = nil
try("path nil", require, "zzz")
package.path = 7
try("path number", require, "zzz")
package.path = oldpath
package.cpath = {}
try("cpath table", require, "zzz")
package.cpath = ""
-- 5.3: an empty cpath gives no entries (5.4 lists "no file ''")
try("empty cpath", require, "zzz")
