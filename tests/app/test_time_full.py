"""The ``time`` module in full, as wippy-docs lua/core/time.md describes it:
every function, method and constant, driven from a function entry of a small
project."""

import time as _ptime

import pytest

from wippy.app import App
from wippy.runtime.values import TRUE, FALSE

from .projects import project

INDEX = """
namespace: app
entries:
  - name: t
    kind: function.lua
    method: main
    modules: [time]
    source: file://t.lua
"""

T = """
local time = require("time")
local steps = {}

function steps.constants()
  return time.NANOSECOND, time.MICROSECOND, time.MILLISECOND, time.SECOND, time.MINUTE,
         time.HOUR
end

function steps.layouts()
  return time.RFC3339, time.RFC3339NANO, time.RFC822, time.RFC822Z, time.RFC850, time.RFC1123,
         time.RFC1123Z, time.DATE_TIME, time.DATE_ONLY, time.TIME_ONLY, time.KITCHEN,
         time.STAMP, time.STAMP_MILLI, time.STAMP_MICRO, time.STAMP_NANO
end

function steps.months()
  return time.JANUARY, time.FEBRUARY, time.MARCH, time.APRIL, time.MAY, time.JUNE, time.JULY,
         time.AUGUST, time.SEPTEMBER, time.OCTOBER, time.NOVEMBER, time.DECEMBER
end

function steps.weekdays()
  return time.SUNDAY, time.MONDAY, time.TUESDAY, time.WEDNESDAY, time.THURSDAY, time.FRIDAY,
         time.SATURDAY
end

function steps.duration()
  local d, err = time.parse_duration("1h30m45s500ms")
  assert(err == nil)
  return d:hours(), d:minutes(), d:seconds(), d:milliseconds(), d:microseconds(),
         d:nanoseconds(), math.type(d:hours()), math.type(d:milliseconds()), tostring(d)
end

function steps.duration_inputs()
  local a = time.parse_duration(time.SECOND)
  local b = time.parse_duration(5 * time.MINUTE)
  local c = time.parse_duration(a)
  local e = time.parse_duration("500ms")
  local f = time.parse_duration("-1.5h")
  local g = time.parse_duration("1us")
  local _, bad = time.parse_duration("5 minutes")
  local _, bad2 = time.parse_duration({})
  return a:seconds(), b:minutes(), c:nanoseconds(), e:milliseconds(), f:minutes(),
         g:nanoseconds(), bad:kind(), bad2:kind(), errors.is(bad, errors.INVALID)
end

function steps.create()
  local t = time.date(2024, time.DECEMBER, 25, 10, 30, 0, 0, time.utc)
  local u = time.unix(1703862245, 0)
  local half = time.unix(1703862245, 500000000)
  local js = 1703862245000
  local j = time.unix(js // 1000, (js % 1000) * 1000000)
  local ist = time.fixed_zone("IST", 5 * 3600 + 30 * 60)
  local l = time.date(2024, 1, 15, 12, 0, 0, 0)
  return t:format_rfc3339(), u:utc():format_rfc3339(), half:unix_nano() - u:unix_nano(),
         j:equal(u), time.date(2024, 1, 15, 12, 0, 0, 0, ist):format_rfc3339(),
         l:location():string(), u:location():string(),
         -- out-of-range fields normalise like Go's time.Date
         time.date(2024, 10, 32, 0, 0, 0, 0, time.utc):format(time.DATE_ONLY)
end

function steps.parse()
  local a, e1 = time.parse(time.RFC3339, "2024-12-29T15:04:05Z")
  local b = time.parse("2006-01-02", "2024-12-29")
  local c = time.parse("15:04:05", "14:30:00")
  local d = time.parse("2006-01-02 15:04:05 MST", "2024-12-29 14:30:00 EST")
  local ny = time.load_location("America/New_York")
  local e = time.parse("2006-01-02 15:04", "2024-12-29 14:30", ny)
  local f = time.parse(time.RFC3339NANO, "2024-12-29T15:04:05.123456789+02:00")
  local _, bad = time.parse(time.RFC3339, "invalid")
  return e1, a:unix(), b:format(time.DATE_TIME), c:format(time.DATE_TIME), d:format(time.RFC1123),
         e:utc():format_rfc3339(), e:location():string(), f:nanosecond(), f:utc():hour(),
         bad:kind(), bad:message()
end

function steps.arith()
  local t = time.date(2024, 1, 31, 12, 0, 0, 0, time.utc)
  local tomorrow = t:add("24h")
  local later = t:add(5 * time.MINUTE)
  local d = time.parse_duration("1h30m")
  local future = t:add(d)
  local diff = tomorrow:sub(t)
  local back = t:add(-time.HOUR)
  return tomorrow:format_rfc3339(), later:format_rfc3339(), future:format_rfc3339(),
         diff:hours(), back:hour(),
         t:add_date(0, 1, 0):format(time.DATE_ONLY),     -- Jan 31 + 1 month = Mar 2 (2024)
         t:add_date(1, 0, 0):format(time.DATE_ONLY),
         t:add_date(0, 0, -7):format(time.DATE_ONLY),
         getmetatable(diff) ~= nil and tostring(diff)
end

function steps.compare()
  local t1 = time.date(2024, 1, 1, 0, 0, 0, 0, time.utc)
  local t2 = time.date(2024, 1, 2, 0, 0, 0, 0, time.utc)
  local t3 = t1:in_location(time.fixed_zone("X", 3600))
  return t1:before(t2), t2:after(t1), t1:equal(t1), t1:equal(t3), t2:before(t1), t1:after(t2)
end

function steps.format()
  local t = time.date(2024, 12, 29, 15, 4, 5, 123456789, time.utc)
  return t:format_rfc3339(), t:format(time.DATE_ONLY), t:format(time.TIME_ONLY),
         t:format("Mon Jan 2, 2006"), t:format(time.KITCHEN), t:format(time.RFC3339NANO),
         t:format(time.RFC822), t:format(time.RFC822Z), t:format(time.RFC850),
         t:format(time.RFC1123Z), t:format(time.STAMP_MILLI), t:format(time.STAMP_MICRO),
         t:format(time.STAMP_NANO), t:format(time.STAMP), t:format("002 __2 pm PM .000 .999 .999999999")
end

function steps.components()
  local t = time.date(2024, 12, 29, 15, 4, 5, 42, time.utc)
  local y, mo, d = t:date()
  local h, mi, s = t:clock()
  return y, mo, d, h, mi, s, t:year(), t:month(), t:day(), t:hour(), t:minute(), t:second(),
         t:nanosecond(), t:weekday(), t:year_day(), t:is_zero(),
         time.unix(-62135596800, 0):is_zero(), t:unix(), t:unix_nano()
end

function steps.zones()
  local t = time.date(2024, 7, 1, 12, 0, 0, 0, time.utc)
  local ny, err = time.load_location("America/New_York")
  local tokyo = time.load_location("Asia/Tokyo")
  local _, e1 = time.load_location("")
  local _, e2 = time.load_location("Unknown/Zone")
  local pst = time.fixed_zone("PST", -8 * 3600)
  return err, t:in_location(ny):format(time.TIME_ONLY), t:in_location(tokyo):format("15:04 MST"),
         t:in_location(ny):location():string(), t:in_location(pst):format(time.RFC1123Z),
         t:in_location(ny):utc():equal(t), t:in_local():location():string(),
         tostring(time.utc), time.localtz:string(), e1:kind(), e2:kind(),
         errors.is(e2, errors.NOT_FOUND)
end

function steps.dst()
  local ny = time.load_location("America/New_York")
  local lon = time.load_location("Europe/London")
  local f = time.RFC3339
  return time.date(2024, 3, 10, 2, 30, 0, 0, ny):format(f),    -- skipped: back by the gap
         time.date(2024, 11, 3, 1, 30, 0, 0, ny):format(f),    -- repeated: first occurrence
         time.date(2024, 11, 3, 3, 0, 0, 0, ny):format(f),
         time.date(2024, 3, 31, 1, 30, 0, 0, lon):format(f),
         time.date(2024, 10, 27, 1, 30, 0, 0, lon):format(f),
         time.date(2024, 3, 9, 12, 0, 0, 0, ny):add_date(0, 0, 1):format(f),
         time.date(2024, 3, 9, 12, 0, 0, 0, ny):add("24h"):format(f)
end

function steps.rounding()
  local t = time.date(2024, 12, 29, 15, 44, 5, 0, time.utc)
  local hour = time.parse_duration("1h")
  local q = time.parse_duration("15m")
  local ok, err = pcall(t.round, t, time.HOUR)
  local ok2 = pcall(t.truncate, t, "15m")
  return t:round(hour):format(time.TIME_ONLY), t:truncate(q):format(time.TIME_ONLY),
         t:truncate(hour):format(time.TIME_ONLY), ok, tostring(err):find("Duration") ~= nil, ok2
end

function steps.now()
  local start = time.now()
  time.sleep("20ms")
  local elapsed = time.now():sub(start)
  time.sleep(5 * time.MILLISECOND)
  time.sleep(time.parse_duration("1ms"))
  return start:unix(), elapsed:milliseconds(), elapsed:milliseconds() >= 20,
         start:location():string()
end

function steps.after()
  local timeout = time.after("20ms")
  local t0 = time.now()
  local v = timeout:receive()
  local waited = time.now():sub(t0):milliseconds()
  -- with select: the timeout wins over a channel nobody sends on
  local ch = channel.new()
  local to = time.after(10 * time.MILLISECOND)
  local r = channel.select{ch:case_receive(), to:case_receive()}
  return getmetatable(v) == getmetatable(t0), waited >= 15, r.channel == to, r.ok
end

function steps.timer()
  local timer, err = time.timer("10ms")
  local t0 = time.now()
  local v = timer:response():receive()
  local waited = time.now():sub(t0):milliseconds()
  local same = timer:response() == timer:channel()
  -- reset on activity: the idle timer is pushed back each time
  local activity = channel.new(4)
  local idle = time.timer("40ms")
  local seen = 0
  for i = 1, 3 do
    activity:send(i)
    local r = channel.select{activity:case_receive(), idle:response():case_receive()}
    if r.channel == idle:response() then break end
    seen = seen + 1
    idle:reset("40ms")
  end
  local r = channel.select{activity:case_receive(), idle:response():case_receive()}
  -- stop: true while pending, false afterwards, and no tick arrives
  local s = time.timer("1h")
  local stopped, again = s:stop(), s:stop()
  local late = time.timer("5ms")
  local _, e1 = time.timer(0)
  local _, e2 = time.timer("-1s")
  local _, e3 = late:reset(0)
  return err, waited >= 5, v ~= nil, same, seen, r.channel == idle:response(),
         stopped, again, e1:kind(), e2:kind(), e3:kind()
end

function steps.ticker()
  local ticker, err = time.ticker("10ms")
  local ch = ticker:response()
  local t0 = time.now()
  for i = 1, 3 do ch:receive() end
  local waited = time.now():sub(t0):milliseconds()
  local stopped = ticker:stop()
  local got = channel.select{ch:case_receive(), time.after("40ms"):case_receive()}
  local _, e1 = time.ticker(0)
  return err, waited >= 25, stopped, got.channel ~= ch, ticker:channel() == ch, e1:kind(),
         ticker:stop()
end

return {main = function(step) return steps[step]() end}
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    a = App.open(project(tmp_path_factory.mktemp("time"), INDEX, {"t.lua": T}))
    yield a
    a.close()


def run(app, step):
    return tuple(True if v is TRUE else False if v is FALSE else v
                 for v in app.call("app:t", step))


def test_constants(app):
    assert run(app, "constants") == (1, 1000, 10 ** 6, 10 ** 9, 60 * 10 ** 9, 3600 * 10 ** 9)
    assert run(app, "layouts") == (
        "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999Z07:00",
        "02 Jan 06 15:04 MST", "02 Jan 06 15:04 -0700", "Monday, 02-Jan-06 15:04:05 MST",
        "Mon, 02 Jan 2006 15:04:05 MST", "Mon, 02 Jan 2006 15:04:05 -0700",
        "2006-01-02 15:04:05", "2006-01-02", "15:04:05", "3:04PM", "Jan _2 15:04:05",
        "Jan _2 15:04:05.000", "Jan _2 15:04:05.000000", "Jan _2 15:04:05.000000000")
    assert run(app, "months") == tuple(range(1, 13))
    assert run(app, "weekdays") == tuple(range(7))


def test_durations(app):
    assert run(app, "duration") == (5445.5 / 3600, 5445.5 / 60, 5445.5, 5445500, 5445500000,
                                    5445500000000, "float", "integer", "1h30m45.5s")
    assert run(app, "duration_inputs") == (1.0, 5.0, 10 ** 9, 500, -90.0, 1000,
                                           "Invalid", "Invalid", True)


def test_creating_times(app):
    r = run(app, "create")
    assert r[:5] == ("2024-12-25T10:30:00Z", "2023-12-29T15:04:05Z", 500000000, True,
                     "2024-01-15T12:00:00+05:30")
    assert r[5] == r[6] == "Local"
    assert r[7] == "2024-11-01"


def test_parse(app):
    assert run(app, "parse") == (
        None, 1735484645, "2024-12-29 00:00:00", "0000-01-01 14:30:00",
        "Sun, 29 Dec 2024 14:30:00 EST", "2024-12-29T19:30:00Z", "America/New_York",
        123456789, 13, "Invalid",
        'parsing time "invalid" as "2006-01-02T15:04:05Z07:00": cannot parse "invalid" as "2006"')


def test_arithmetic_and_comparison(app):
    assert run(app, "arith") == (
        "2024-02-01T12:00:00Z", "2024-01-31T12:05:00Z", "2024-01-31T13:30:00Z", 24.0, 11,
        "2024-03-02", "2025-01-31", "2024-01-24", "24h0m0s")
    assert run(app, "compare") == (True, True, True, True, False, False)


def test_format(app):
    assert run(app, "format") == (
        "2024-12-29T15:04:05Z", "2024-12-29", "15:04:05", "Sun Dec 29, 2024", "3:04PM",
        "2024-12-29T15:04:05.123456789Z", "29 Dec 24 15:04 UTC", "29 Dec 24 15:04 +0000",
        "Sunday, 29-Dec-24 15:04:05 UTC", "Sun, 29 Dec 2024 15:04:05 +0000",
        "Dec 29 15:04:05.123", "Dec 29 15:04:05.123456", "Dec 29 15:04:05.123456789",
        "Dec 29 15:04:05", "364 364 pm PM .123 .123 .123456789")


def test_components(app):
    assert run(app, "components") == (
        2024, 12, 29, 15, 4, 5, 2024, 12, 29, 15, 4, 5, 42, 0, 364, False, True,
        1735484645, 1735484645 * 10 ** 9 + 42)


def test_zones(app):
    assert run(app, "zones") == (
        None, "08:00:00", "21:00 JST", "America/New_York", "Mon, 01 Jul 2024 04:00:00 -0800",
        True, "Local", "UTC", "Local", "Invalid", "NotFound", True)


def test_daylight_saving_follows_go(app):
    assert run(app, "dst") == (
        "2024-03-10T01:30:00-05:00", "2024-11-03T01:30:00-04:00", "2024-11-03T03:00:00-05:00",
        "2024-03-31T02:30:00+01:00", "2024-10-27T01:30:00Z", "2024-03-10T12:00:00-04:00",
        "2024-03-10T13:00:00-04:00")


def test_rounding_takes_durations_only(app):
    assert run(app, "rounding") == ("16:00:00", "15:30:00", "15:00:00", False, True, False)


def test_now_and_sleep(app):
    before = int(_ptime.time())
    r = run(app, "now")
    assert before <= r[0] <= before + 2
    assert r[1] < 2000 and r[2] is True and r[3] == "Local"


def test_after_timer_ticker(app):
    assert run(app, "after") == (True, True, True, True)
    assert run(app, "timer") == (None, True, True, True, 3, True, True, False,
                                 "Invalid", "Invalid", "Invalid")
    assert run(app, "ticker") == (None, True, True, True, True, "Invalid", False)
