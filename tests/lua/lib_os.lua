-- the os library, timezone-independent: UTC ("!") formats of fixed times,
-- local-time round trips, os.time normalization, argument errors

local function err(label, f, ...)
  local ok, msg = pcall(f, ...)
  print(label, ok, msg)
end

local now = os.time()
print("time type", math.type(now), now > 1500000000)
print("clock type", math.type(os.clock()), os.clock() >= 0)

local T = 1700000000          -- 2023-11-14 22:13:20 UTC
print("utc fmt", os.date("!%Y-%m-%d %H:%M:%S", T))
print("utc epoch", os.date("!%Y-%m-%d %H:%M:%S", 0))
print("utc before epoch", os.date("!%Y-%m-%d %H:%M:%S", -1))
print("utc 2^31", os.date("!%Y-%m-%d %H:%M:%S", 2^31))
print("utc leap day", os.date("!%Y-%m-%d %j", 951782400))
print("utc far", os.date("!%Y-%m-%d", 253402300799))
print("utc c", os.date("!%c", T))
print("utc x X", os.date("!%x|%X|%D|%F|%R|%T|%r", T))
print("utc names", os.date("!%a|%A|%b|%B|%h|%p", T))
print("utc numbers", os.date("!%d|%e|%H|%I|%j|%m|%M|%S|%y|%C", T))
print("utc weeks", os.date("!%U|%W|%w|%u|%V|%G|%g", T))
print("utc misc", os.date("!%%|%n|%t|%Z|%z", T))
print("utc E O", os.date("!%Ec|%EY|%Oy|%OH", T))
print("utc literal", os.date("!day %d of %B, year %Y!", T))
print("utc empty", "[" .. os.date("!", T) .. "]", "[" .. os.date("", T) .. "]")
local u = os.date("!*t", T)
print("utc *t", u.year, u.month, u.day, u.hour, u.min, u.sec, u.wday, u.yday, u.isdst)
local e = os.date("!*t", 0)
print("utc *t epoch", e.year, e.month, e.day, e.hour, e.wday, e.yday)
print("not *t", os.date("!*tx", T), os.date("!x*t", T))
print("float time ok", os.date("!%H", 3600.0), os.date("!%H", "7200"))

local lt = os.date("*t", T)
print("local *t types", math.type(lt.year), math.type(lt.yday), type(lt.isdst))
print("local round trip", os.time(lt) == T)
local t1 = os.time{year = 2020, month = 7, day = 15, hour = 10, min = 30, sec = 5}
local back = os.date("*t", t1)
print("local fields", back.year, back.month, back.day, back.hour, back.min, back.sec, back.wday, back.yday)
print("default hour", os.date("*t", os.time{year = 2021, month = 2, day = 3}).hour)
local n = {year = 2020, month = 14, day = 35, hour = 25, min = 61, sec = -5}
local tn = os.time(n)
print("normalized", n.year, n.month, n.day, n.hour, n.min, n.sec, n.wday, n.yday)
print("normalized time", tn == os.time{year = 2021, month = 3, day = 8, hour = 2, min = 0, sec = 55})
print("negative fields", os.date("%Y-%m-%d", os.time{year = 2021, month = 1, day = 0}))
print("string fields", os.time{year = "2020", month = "7", day = "15", hour = "10", min = "30", sec = "5"} == t1)
print("float fields", os.time{year = 2020.0, month = 7.0, day = 15.0, hour = 10, min = 30, sec = 5} == t1)
local d1 = os.time{year = 2020, month = 1, day = 1, hour = 12}
local d2 = os.time{year = 2020, month = 1, day = 2, hour = 12}
print("difftime", os.difftime(d2, d1), math.type(os.difftime(d2, d1)), os.difftime(d1, d2))
print("difftime ints", os.difftime(10, 3), os.difftime("10", 3))
print("days in 2020", os.difftime(os.time{year = 2021, month = 1, day = 1, hour = 12},
                                  os.time{year = 2020, month = 1, day = 1, hour = 12}) // 86400)

err("date bad spec", os.date, "%Q", T)
err("date bad spec rest", os.date, "!%Y %Q rest", T)
err("date bad E", os.date, "%Ez", T)
err("date trailing %", os.date, "abc%", T)
err("date bad time", os.date, "%Y", 1.5)
err("date time string", os.date, "%Y", "x")
err("date fmt table", os.date, {}, T)
err("time not table", os.time, "x")
-- 5.3: fields are read sec, min, hour, day, month, year: 'day' is reported first
err("time empty", os.time, {})
err("time no month", os.time, {year = 2020, day = 1})
err("time no year", os.time, {month = 1, day = 1})
err("time float field", os.time, {year = 2020, month = 1, day = 1.5})
err("time bad field", os.time, {year = 2020, month = 1, day = 1, hour = "noon"})
err("time out of bound", os.time, {year = 2020, month = 1, day = 2^40})
err("time bool field", os.time, {year = 2020, month = true, day = 1})
err("difftime one arg", os.difftime, 5)
err("difftime float", os.difftime, 1.5, 1)
err("difftime none", os.difftime)
print("getenv unset", os.getenv("WIPPY_SURELY_UNSET_VARIABLE_42"))
err("getenv none", os.getenv)
print("err in lua", pcall(function() return os.date("%Y-%", T) end))
