"""The ``time`` module (basics): Time, Duration and Location userdata.

* ``Time`` is an instant (nanoseconds since the Unix epoch, any size) plus a
  ``Location``; calendar fields are computed in that location.  The zero
  Time is Go's (January 1, year 1, 00:00:00 UTC).
* ``Duration`` is a signed 64-bit count of nanoseconds.  Every duration
  argument accepts a number (nanoseconds; floats are truncated), a Go
  duration string (``"1h30m"``, ``"500ms"``, ``"-1.5h"``) or a Duration.
* Layouts are Go reference layouts (``2006-01-02T15:04:05Z07:00``) for both
  ``format`` and ``time.parse``.
* ``time.sleep`` blocks the current greenlet with ``gevent.sleep``.
* ``time.after``, ``time.timer`` and ``time.ticker`` arm gevent hub timer
  watchers (no greenlet per timer); the watcher's callback delivers the tick
  Time into a channel of capacity 1 with ``Channel.deliver``.  Watchers are
  ref'd, so a greenlet blocked on a timer channel keeps the hub running.
  A watcher holds its channel only weakly: once nothing can read the
  channel any more (an abandoned ``time.after`` timeout, a forgotten
  ticker) the watcher is stopped.

Fallible calls return ``nil, err``: a bad duration or a failed parse is
INVALID, an empty location name INVALID, an unknown location NOT_FOUND.
``round``/``truncate`` take a Duration only and raise otherwise.
Timers follow Go (1.23) semantics: a tick not yet received is still
pending, so ``timer:stop()`` and ``timer:reset(d)`` discard it (no stale tick
is received afterwards) and report true when they stopped a pending timer;
a ticker drops ticks while its one-slot buffer is full.  ``time.timer`` and
``time.ticker`` reject a duration <= 0 (INVALID), as does ``reset``;
``time.after`` with a duration <= 0 fires at once.
"""

import datetime as _dt
import os
import re
import time as _ptime
import weakref

import gevent

from wippy.runtime.values import LuaTable, Userdata, TRUE, FALSE, wrap, lua_type
from wippy.runtime.errors import arg_error
from wippy.runtime.strargs import check_int
from wippy.lerrors import new_error, INVALID, NOT_FOUND
from wippy.channel import Channel

__all__ = ["make_module", "Time", "Duration", "Location", "UTC", "LOCAL", "parse_duration",
           "to_duration_ns", "format_duration", "go_format", "go_parse", "DurationError",
           "TimeParseError", "now", "Timer", "Ticker", "after_channel", "pending_timers"]

NANOSECOND = 1
MICROSECOND = 1000
MILLISECOND = 1000 * MICROSECOND
SECOND = 1000 * MILLISECOND
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE

_I64_MAX = (1 << 63) - 1
_I64_MIN = -(1 << 63)

# seconds from January 1, year 1 to the Unix epoch
_ZERO_UNIX = -62135596800
_ZERO_NS = _ZERO_UNIX * SECOND

_UTC_DT_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_DT_MIN_SEC = -62135596800 + 2 * 86400
_DT_MAX_SEC = 253402300799 - 2 * 86400


def now():
    """The current time as Unix nanoseconds (replaceable for replay)."""
    return _ptime.time_ns()


# --------------------------------------------------------------------------
# calendar arithmetic (proleptic Gregorian, any year)

def days_from_civil(y, m, d):
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m, d


def _is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


_DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365]


def _days_in(m, y):
    if m == 2:
        return 29 if _is_leap(y) else 28
    return _DAYS_BEFORE[m] - _DAYS_BEFORE[m - 1]


# --------------------------------------------------------------------------
# locations

class Location(Userdata):
    __slots__ = ("name", "tz", "fixed")

    def __init__(self, name, tz, fixed=None):
        self.name = name
        self.tz = tz
        self.fixed = fixed          # (offset seconds, abbreviation) for fixed zones

    def lookup(self, unix_sec):
        """(offset seconds, abbreviation) in effect at a Unix second."""
        if self.fixed is not None:
            return self.fixed
        s = min(max(unix_sec, _DT_MIN_SEC), _DT_MAX_SEC)
        local = (_UTC_DT_EPOCH + _dt.timedelta(seconds=s)).astimezone(self.tz)
        off = local.utcoffset()
        return int(off.total_seconds()), local.tzname() or ""

    def wall_to_unix(self, wall):
        """Unix seconds of a wall-clock second count in this location."""
        if self.fixed is not None:
            return wall - self.fixed[0]
        # Go's time.Date: the offset in effect at the wall clock read as UTC,
        # corrected once if the instant it gives lies in another zone
        # period -- so a skipped time (spring forward) moves back by the gap
        # and a repeated one (fall back) takes its first occurrence
        off1 = self.lookup(wall)[0]
        off2 = self.lookup(wall - off1)[0]
        return wall - off2

    def __repr__(self):
        return "Location(%r)" % self.name


def _local_location():
    tzname = os.environ.get("TZ")
    try:
        import zoneinfo
        if tzname:
            name = tzname.lstrip(":")
            if name in ("UTC", "UTC0", ""):
                return Location("Local", _dt.timezone.utc, (0, "UTC"))
            return Location("Local", zoneinfo.ZoneInfo(name))
        if os.path.exists("/etc/localtime"):
            with open("/etc/localtime", "rb") as f:
                return Location("Local", zoneinfo.ZoneInfo.from_file(f, key="localtime"))
    except Exception:
        pass
    return Location("Local", _dt.timezone.utc, (0, "UTC"))


UTC = Location("UTC", _dt.timezone.utc, (0, "UTC"))
LOCAL = _local_location()


def fixed_zone(name, offset):
    return Location(name, _dt.timezone(_dt.timedelta(seconds=offset)), (offset, name))


def load_location(name):
    """Location, or raises KeyError (unknown) / ValueError (empty)."""
    if name == "":
        raise ValueError("empty location name")
    if name == "UTC":
        return UTC
    if name == "Local":
        return LOCAL
    import zoneinfo
    try:
        return Location(name, zoneinfo.ZoneInfo(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise KeyError(name)


# --------------------------------------------------------------------------
# durations

class DurationError(ValueError):
    pass


class Duration(Userdata):
    __slots__ = ("ns",)

    def __init__(self, ns):
        self.ns = ns

    def __repr__(self):
        return "Duration(%s)" % format_duration(self.ns)


def _clamp64(n):
    if n > _I64_MAX:
        return _I64_MAX
    if n < _I64_MIN:
        return _I64_MIN
    return n


def _frac(v, prec):
    """Go's fmtFrac/fmtInt: integer part and trimmed fraction of v / 10**prec."""
    ip, fp = divmod(v, 10 ** prec)
    if fp:
        digits = ("%0*d" % (prec, fp)).rstrip("0")
        return "%d.%s" % (ip, digits)
    return "%d" % ip


def format_duration(d):
    """Go's Duration.String (``1h30m0s``, ``1.5s``, ``500ms``, ``0s``);
    microseconds use the UTF-8 bytes of ``µ``."""
    if d == 0:
        return "0s"
    neg = d < 0
    u = -d if neg else d
    if u < SECOND:
        if u < MICROSECOND:
            s = "%dns" % u
        elif u < MILLISECOND:
            s = _frac(u, 3) + "\xc2\xb5s"
        else:
            s = _frac(u, 6) + "ms"
    else:
        s = _frac(u % MINUTE, 9) + "s"
        mins = u // MINUTE
        if mins:
            s = "%dm" % (mins % 60) + s
            hours = mins // 60
            if hours:
                s = "%dh" % hours + s
    return "-" + s if neg else s


_UNITS = {"ns": NANOSECOND, "us": MICROSECOND, "\xc2\xb5s": MICROSECOND,
          "\xce\xbcs": MICROSECOND, "ms": MILLISECOND, "s": SECOND, "m": MINUTE, "h": HOUR}
_DUR_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")


def parse_duration(s):
    """Go's time.ParseDuration (DurationError on bad input)."""
    orig = s
    neg = False
    if s[:1] in ("-", "+"):
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0
    if s == "":
        raise DurationError('time: invalid duration "%s"' % orig)
    total = 0
    pos = 0
    n = len(s)
    while pos < n:
        m = _DUR_PART.match(s, pos)
        ip, fp, unit = m.group(1), m.group(2), m.group(3)
        if (ip == "" and not fp) or m.end() == pos:
            raise DurationError('time: invalid duration "%s"' % orig)
        if unit == "":
            raise DurationError('time: missing unit in duration "%s"' % orig)
        mult = _UNITS.get(unit)
        if mult is None:
            raise DurationError('time: unknown unit "%s" in duration "%s"' % (unit, orig))
        v = int(ip or "0") * mult
        if fp:
            v += int(fp) * mult // 10 ** len(fp)
        total += v
        if total > 1 << 63:
            raise DurationError('time: invalid duration "%s"' % orig)
        pos = m.end()
    if neg:
        total = -total
    if total > _I64_MAX or total < _I64_MIN:
        raise DurationError('time: invalid duration "%s"' % orig)
    return total


def to_duration_ns(v):
    """A duration argument (number = ns, Go string, Duration) -> int ns
    (DurationError when it is none of those)."""
    t = type(v)
    if t is int:
        return v
    if t is float:
        if v != v or v in (float("inf"), float("-inf")):
            raise DurationError("invalid duration: %s" % v)
        return _clamp64(int(v))
    if t is str:
        return parse_duration(v)
    if t is Duration:
        return v.ns
    raise DurationError("invalid duration: expected number, string or Duration, got %s"
                        % lua_type(v))


# --------------------------------------------------------------------------
# times

class Time(Userdata):
    __slots__ = ("ns", "loc", "_f")

    def __init__(self, ns, loc=None):
        self.ns = ns
        self.loc = loc if loc is not None else LOCAL
        self._f = None

    def fields(self):
        """(year, month, day, hour, minute, second, nanosecond, weekday,
        yday, offset, zone abbreviation) in the time's location."""
        f = self._f
        if f is None:
            sec, frac = divmod(self.ns, SECOND)
            off, abbr = self.loc.lookup(sec)
            wall = sec + off
            days, rem = divmod(wall, 86400)
            y, m, d = civil_from_days(days)
            hh, rem = divmod(rem, 3600)
            mi, ss = divmod(rem, 60)
            wd = (days + 4) % 7          # 1970-01-01 was a Thursday
            yday = days - days_from_civil(y, 1, 1) + 1
            f = self._f = (y, m, d, hh, mi, ss, frac, wd, yday, off, abbr)
        return f

    def unix(self):
        return self.ns // SECOND

    def is_zero(self):
        return self.ns == _ZERO_NS

    def __repr__(self):
        return "Time(%s)" % go_format(self, "2006-01-02 15:04:05.999999999 -0700 MST")


def from_wall(y, mo, d, h, mi, s, ns, loc):
    """Go's time.Date: out-of-range fields normalise (October 32 is
    November 1)."""
    m0 = mo - 1
    y += m0 // 12
    m = m0 % 12 + 1
    s += ns // SECOND
    ns %= SECOND
    days = days_from_civil(y, m, 1) + d - 1
    wall = days * 86400 + h * 3600 + mi * 60 + s
    return Time(loc.wall_to_unix(wall) * SECOND + ns, loc)


# --------------------------------------------------------------------------
# Go layouts

_LONG_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"]
_SHORT_MONTHS = [m[:3] for m in _LONG_MONTHS]
_LONG_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_SHORT_DAYS = [d[:3] for d in _LONG_DAYS]

_LAYOUT_CACHE = {}


def _is_digit(s, i):
    return i < len(s) and "0" <= s[i] <= "9"


def _tokens(layout):
    """Split a Go layout into ("lit", text) and (std, arg) chunks."""
    r = _LAYOUT_CACHE.get(layout)
    if r is not None:
        return r
    toks = []
    lit = []
    i = 0
    n = len(layout)

    def std(name, width, arg=None):
        if lit:
            toks.append(("lit", "".join(lit)))
            lit.clear()
        toks.append((name, arg))
        return i + width

    while i < n:
        c = layout[i]
        rest = layout[i:]
        if c == "J" and rest.startswith("Jan"):
            i = std("LongMonth", 7) if rest.startswith("January") else std("Month", 3)
            continue
        if c == "M":
            if rest.startswith("Monday"):
                i = std("LongWeekDay", 6)
                continue
            if rest.startswith("Mon"):
                i = std("WeekDay", 3)
                continue
            if rest.startswith("MST"):
                i = std("TZ", 3)
                continue
        if c == "0" and i + 1 < n and "1" <= layout[i + 1] <= "6":
            i = std({"1": "ZeroMonth", "2": "ZeroDay", "3": "ZeroHour12", "4": "ZeroMinute",
                     "5": "ZeroSecond", "6": "Year"}[layout[i + 1]], 2)
            continue
        if c == "0" and rest.startswith("002"):
            i = std("ZeroYearDay", 3)
            continue
        if c == "1":
            i = std("Hour", 2) if rest.startswith("15") else std("NumMonth", 1)
            continue
        if c == "2":
            i = std("LongYear", 4) if rest.startswith("2006") else std("Day", 1)
            continue
        if c == "_":
            if rest.startswith("_2"):
                if rest.startswith("_2006"):
                    lit.append("_")
                    i = std("LongYear", 5)
                    continue
                i = std("UnderDay", 2)
                continue
            if rest.startswith("__2"):
                i = std("UnderYearDay", 3)
                continue
        if c in "345":
            i = std({"3": "Hour12", "4": "Minute", "5": "Second"}[c], 1)
            continue
        if c == "P" and rest.startswith("PM"):
            i = std("PM", 2)
            continue
        if c == "p" and rest.startswith("pm"):
            i = std("pm", 2)
            continue
        if c in "-Z":
            matched = False
            for form in ("070000", "07:00:00", "0700", "07:00", "07"):
                if rest[1:].startswith(form):
                    i = std(("ISO" if c == "Z" else "Num") + "TZ", 1 + len(form), form)
                    matched = True
                    break
            if matched:
                continue
        if c in ".," and i + 1 < n and layout[i + 1] in "09":
            ch = layout[i + 1]
            j = i + 1
            while j < n and layout[j] == ch:
                j += 1
            if not _is_digit(layout, j):
                i = std("Frac0" if ch == "0" else "Frac9", j - i, (c, j - i - 1))
                continue
        lit.append(c)
        i += 1
    if lit:
        toks.append(("lit", "".join(lit)))
    if len(_LAYOUT_CACHE) > 256:
        _LAYOUT_CACHE.clear()
    _LAYOUT_CACHE[layout] = toks
    return toks


def _fmt_tz(off, form, iso):
    if iso and off == 0:
        return "Z"
    sign = "-" if off < 0 else "+"
    a = -off if off < 0 else off
    hh, rem = divmod(a, 3600)
    mm, ss = divmod(rem, 60)
    if form == "07":
        return "%s%02d" % (sign, hh)
    if form == "0700":
        return "%s%02d%02d" % (sign, hh, mm)
    if form == "07:00":
        return "%s%02d:%02d" % (sign, hh, mm)
    if form == "070000":
        return "%s%02d%02d%02d" % (sign, hh, mm, ss)
    return "%s%02d:%02d:%02d" % (sign, hh, mm, ss)


def go_format(t, layout):
    """Format a Time with a Go layout."""
    y, m, d, hh, mi, ss, frac, wd, yday, off, abbr = t.fields()
    out = []
    for kind, arg in _tokens(layout):
        if kind == "lit":
            out.append(arg)
        elif kind == "LongYear":
            out.append("%04d" % y if y >= 0 else "-%04d" % -y)
        elif kind == "Year":
            out.append("%02d" % (y % 100))
        elif kind == "LongMonth":
            out.append(_LONG_MONTHS[m - 1])
        elif kind == "Month":
            out.append(_SHORT_MONTHS[m - 1])
        elif kind == "NumMonth":
            out.append("%d" % m)
        elif kind == "ZeroMonth":
            out.append("%02d" % m)
        elif kind == "LongWeekDay":
            out.append(_LONG_DAYS[wd])
        elif kind == "WeekDay":
            out.append(_SHORT_DAYS[wd])
        elif kind == "Day":
            out.append("%d" % d)
        elif kind == "UnderDay":
            out.append("%2d" % d)
        elif kind == "ZeroDay":
            out.append("%02d" % d)
        elif kind == "UnderYearDay":
            out.append("%3d" % yday)
        elif kind == "ZeroYearDay":
            out.append("%03d" % yday)
        elif kind == "Hour":
            out.append("%02d" % hh)
        elif kind == "Hour12":
            out.append("%d" % (hh % 12 or 12))
        elif kind == "ZeroHour12":
            out.append("%02d" % (hh % 12 or 12))
        elif kind == "Minute":
            out.append("%d" % mi)
        elif kind == "ZeroMinute":
            out.append("%02d" % mi)
        elif kind == "Second":
            out.append("%d" % ss)
        elif kind == "ZeroSecond":
            out.append("%02d" % ss)
        elif kind == "PM":
            out.append("PM" if hh >= 12 else "AM")
        elif kind == "pm":
            out.append("pm" if hh >= 12 else "am")
        elif kind == "ISOTZ" or kind == "NumTZ":
            out.append(_fmt_tz(off, arg, kind == "ISOTZ"))
        elif kind == "TZ":
            if abbr:
                out.append(abbr)
            else:
                out.append(_fmt_tz(off, "0700", False))
        elif kind == "Frac0":
            sep, digits = arg
            out.append(sep + ("%09d" % frac)[:digits])
        elif kind == "Frac9":
            sep, digits = arg
            s = ("%09d" % frac)[:digits].rstrip("0")
            if s:
                out.append(sep + s)
    return "".join(out)


class TimeParseError(ValueError):
    pass


def _perr(layout, value, elem, msg=""):
    if msg:
        raise TimeParseError('parsing time "%s": %s' % (value, msg))
    raise TimeParseError('parsing time "%s" as "%s": cannot parse "%s" as "%s"'
                         % (value, layout, elem[0], elem[1]))


def _getnum(v, fixed):
    """(number, rest) of one or two digits (exactly two when fixed)."""
    if not _is_digit(v, 0):
        return None, v
    if not _is_digit(v, 1):
        if fixed:
            return None, v
        return int(v[0]), v[1:]
    return int(v[:2]), v[2:]


def _getnum3(v, fixed):
    i = 0
    while i < 3 and _is_digit(v, i):
        i += 1
    if i == 0 or (fixed and i != 3):
        return None, v
    return int(v[:i]), v[i:]


def _lookup_name(names, v):
    for i, name in enumerate(names):
        if len(v) >= len(name) and v[:len(name)].lower() == name.lower():
            return i, v[len(name):]
    return None, v


def go_parse(layout, value, loc=None):
    """Go's time.Parse / ParseInLocation (TimeParseError on failure)."""
    toks = _tokens(layout)
    v = value
    year, month, day = 0, -1, -1
    yday = -1
    hour = minute = sec = nsec = 0
    pm_set = False
    pm = False
    z_utc = False
    z_off = None
    z_name = None
    for idx, (kind, arg) in enumerate(toks):
        if kind == "lit":
            if not v.startswith(arg):
                _perr(layout, value, (v, arg))
            v = v[len(arg):]
            continue
        before = v
        ok = True
        if kind == "Year":
            if len(v) < 2 or not (_is_digit(v, 0) and _is_digit(v, 1)):
                ok = False
            else:
                year = int(v[:2])
                year += 1900 if year >= 69 else 2000
                v = v[2:]
        elif kind == "LongYear":
            if len(v) < 4 or not all(_is_digit(v, i) for i in range(4)):
                ok = False
            else:
                year = int(v[:4])
                v = v[4:]
        elif kind in ("Month", "LongMonth"):
            i, v = _lookup_name(_SHORT_MONTHS if kind == "Month" else _LONG_MONTHS, v)
            if i is None:
                ok = False
            else:
                month = i + 1
        elif kind in ("NumMonth", "ZeroMonth"):
            month, v = _getnum(v, kind == "ZeroMonth")
            if month is None or not 1 <= month <= 12:
                ok = False
        elif kind in ("WeekDay", "LongWeekDay"):
            i, v = _lookup_name(_SHORT_DAYS if kind == "WeekDay" else _LONG_DAYS, v)
            ok = i is not None
        elif kind in ("Day", "UnderDay", "ZeroDay"):
            if kind == "UnderDay" and v[:1] == " ":
                v = v[1:]
            day, v = _getnum(v, kind == "ZeroDay")
            ok = day is not None
        elif kind in ("UnderYearDay", "ZeroYearDay"):
            if kind == "UnderYearDay":
                v = v.lstrip(" ") if len(v) - len(v.lstrip(" ")) <= 2 else v
            yday, v = _getnum3(v, kind == "ZeroYearDay")
            ok = yday is not None and 1 <= yday <= 366
        elif kind in ("Hour", "Hour12", "ZeroHour12"):
            hour, v = _getnum(v, kind == "ZeroHour12")
            ok = hour is not None and (hour < 24 if kind == "Hour" else 0 <= hour <= 12)
        elif kind in ("Minute", "ZeroMinute"):
            minute, v = _getnum(v, kind == "ZeroMinute")
            ok = minute is not None and minute < 60
        elif kind in ("Second", "ZeroSecond"):
            sec, v = _getnum(v, kind == "ZeroSecond")
            ok = sec is not None and sec < 60
            # a fractional second in the value that the layout does not name
            if ok and len(v) >= 2 and v[0] in ".," and _is_digit(v, 1):
                nxt = toks[idx + 1][0] if idx + 1 < len(toks) else None
                if nxt not in ("Frac0", "Frac9"):
                    j = 1
                    while _is_digit(v, j):
                        j += 1
                    nsec = int((v[1:j] + "000000000")[:9])
                    v = v[j:]
        elif kind in ("PM", "pm"):
            w = v[:2].upper()
            if w == "PM":
                pm = True
            elif w != "AM":
                ok = False
            pm_set = True
            v = v[2:] if ok else v
        elif kind in ("ISOTZ", "NumTZ"):
            if kind == "ISOTZ" and v[:1] == "Z":
                z_utc = True
                v = v[1:]
            else:
                m = re.match({"07": r"([+-])(\d\d)", "0700": r"([+-])(\d\d)(\d\d)",
                              "07:00": r"([+-])(\d\d):(\d\d)",
                              "070000": r"([+-])(\d\d)(\d\d)(\d\d)",
                              "07:00:00": r"([+-])(\d\d):(\d\d):(\d\d)"}[arg], v)
                if not m:
                    ok = False
                else:
                    g = m.groups()
                    off = int(g[1]) * 3600 + (int(g[2]) * 60 if len(g) > 2 else 0) + (
                        int(g[3]) if len(g) > 3 else 0)
                    z_off = -off if g[0] == "-" else off
                    v = v[m.end():]
        elif kind == "TZ":
            if v.startswith("UTC"):
                z_utc = True
                v = v[3:]
            else:
                m = re.match(r"[A-Z]{3,5}|[+-]\d\d(?:\d\d)?", v)
                if not m:
                    ok = False
                else:
                    z_name = m.group(0)
                    v = v[m.end():]
        elif kind in ("Frac0", "Frac9"):
            sep, digits = arg
            if kind == "Frac0":
                if len(v) < digits + 1 or v[0] not in ".," or not all(
                        _is_digit(v, i) for i in range(1, digits + 1)):
                    ok = False
                else:
                    nsec = int((v[1:digits + 1] + "000000000")[:9])
                    v = v[digits + 1:]
            elif len(v) >= 2 and v[0] in ".," and _is_digit(v, 1):
                j = 1
                while _is_digit(v, j):
                    j += 1
                nsec = int((v[1:j] + "000000000")[:9])
                v = v[j:]
        if not ok:
            _perr(layout, value, (before, _std_text(kind, arg)))
    if v:
        _perr(layout, value, None, "extra text: \"%s\"" % v)
    if pm_set:
        if pm and hour < 12:
            hour += 12
        elif not pm and hour == 12:
            hour = 0
    if yday >= 0:
        if month < 0 and day < 0:
            if yday > (366 if _is_leap(year) else 365):
                _perr(layout, value, None, "day-of-year out of range")
            m = 1
            while m < 12 and _DAYS_BEFORE[m] + (1 if m >= 2 and _is_leap(year) else 0) < yday:
                m += 1
            month = m
            day = yday - (_DAYS_BEFORE[m - 1] + (1 if m > 2 and _is_leap(year) else 0))
    if month < 0:
        month = 1
    if day < 0:
        day = 1
    if day < 1 or day > _days_in(month, year):
        _perr(layout, value, None, "day out of range")
    if loc is None:
        loc = UTC
    if z_utc:
        return from_wall(year, month, day, hour, minute, sec, nsec, UTC)
    if z_off is not None:
        days = days_from_civil(year, month, day)
        unix = days * 86400 + hour * 3600 + minute * 60 + sec - z_off
        if loc.lookup(unix)[0] == z_off:
            return Time(unix * SECOND + nsec, loc)
        return Time(unix * SECOND + nsec, Location("", None, (z_off, "")))
    if z_name is not None:
        days = days_from_civil(year, month, day)
        wall = days * 86400 + hour * 3600 + minute * 60 + sec
        off, abbr = loc.lookup(wall)
        if abbr == z_name:
            t = from_wall(year, month, day, hour, minute, sec, nsec, loc)
            return t
        if z_name in ("GMT",):
            return from_wall(year, month, day, hour, minute, sec, nsec, UTC)
        return Time(wall * SECOND + nsec, Location(z_name, None, (0, z_name)))
    return from_wall(year, month, day, hour, minute, sec, nsec, loc)


def _std_text(kind, arg):
    return {"LongMonth": "January", "Month": "Jan", "NumMonth": "1", "ZeroMonth": "01",
            "LongWeekDay": "Monday", "WeekDay": "Mon", "Day": "2", "UnderDay": "_2",
            "ZeroDay": "02", "UnderYearDay": "__2", "ZeroYearDay": "002", "Hour": "15",
            "Hour12": "3", "ZeroHour12": "03", "Minute": "4", "ZeroMinute": "04",
            "Second": "5", "ZeroSecond": "05", "LongYear": "2006", "Year": "06", "PM": "PM",
            "pm": "pm", "TZ": "MST"}.get(kind) or (
        ("Z" if kind == "ISOTZ" else "-") + arg if kind in ("ISOTZ", "NumTZ")
        else (arg[0] + ("0" if kind == "Frac0" else "9") * arg[1] if arg else kind))


# --------------------------------------------------------------------------
# Lua API

def _err(kind, msg):
    return None, new_error(kind, msg, False)


def _time_self(t, name):
    if type(t) is not Time:
        arg_error(1, name, "Time expected, got %s" % lua_type(t))
    return t


def _time_arg(t, n, name):
    if type(t) is not Time:
        arg_error(n, name, "Time expected, got %s" % lua_type(t))
    return t


def _dur_or_err(v):
    try:
        return to_duration_ns(v), None
    except DurationError as e:
        return None, new_error(INVALID, str(e), False)


def _t_add(t=None, d=None, *_):
    t = _time_self(t, "add")
    ns, err = _dur_or_err(d)
    if err is not None:
        return None, err
    return Time(t.ns + ns, t.loc)


def _t_sub(t=None, u=None, *_):
    t = _time_self(t, "sub")
    u = _time_arg(u, 2, "sub")
    return Duration(_clamp64(t.ns - u.ns))


def _t_add_date(t=None, years=0, months=0, days=0, *_):
    t = _time_self(t, "add_date")
    years = check_int(0 if years is None else years, 2, "add_date")
    months = check_int(0 if months is None else months, 3, "add_date")
    days = check_int(0 if days is None else days, 4, "add_date")
    y, m, d, hh, mi, ss, frac = t.fields()[:7]
    return from_wall(y + years, m + months, d + days, hh, mi, ss, frac, t.loc)


def _t_before(t=None, u=None, *_):
    return TRUE if _time_self(t, "before").ns < _time_arg(u, 2, "before").ns else FALSE


def _t_after(t=None, u=None, *_):
    return TRUE if _time_self(t, "after").ns > _time_arg(u, 2, "after").ns else FALSE


def _t_equal(t=None, u=None, *_):
    return TRUE if _time_self(t, "equal").ns == _time_arg(u, 2, "equal").ns else FALSE


def _t_format(t=None, layout=None, *_):
    t = _time_self(t, "format")
    if type(layout) is not str:
        arg_error(2, "format", "string expected, got %s" % lua_type(layout))
    return go_format(t, layout)


RFC3339 = "2006-01-02T15:04:05Z07:00"
RFC3339NANO = "2006-01-02T15:04:05.999999999Z07:00"


def _t_format_rfc3339(t=None, *_):
    return go_format(_time_self(t, "format_rfc3339"), RFC3339)


def _t_unix(t=None, *_):
    return wrap(_time_self(t, "unix").ns // SECOND)


def _t_unix_nano(t=None, *_):
    return wrap(_time_self(t, "unix_nano").ns)


def _field(i, name):
    def fn(t=None, *_):
        return _time_self(t, name).fields()[i]
    fn.__name__ = name
    return fn


def _t_date(t=None, *_):
    f = _time_self(t, "date").fields()
    return f[0], f[1], f[2]


def _t_clock(t=None, *_):
    f = _time_self(t, "clock").fields()
    return f[3], f[4], f[5]


def _t_is_zero(t=None, *_):
    return TRUE if _time_self(t, "is_zero").is_zero() else FALSE


def _t_utc(t=None, *_):
    return Time(_time_self(t, "utc").ns, UTC)


def _t_in_local(t=None, *_):
    return Time(_time_self(t, "in_local").ns, LOCAL)


def _t_in_location(t=None, loc=None, *_):
    t = _time_self(t, "in_location")
    if type(loc) is not Location:
        arg_error(2, "in_location", "Location expected, got %s" % lua_type(loc))
    return Time(t.ns, loc)


def _t_location(t=None, *_):
    return _time_self(t, "location").loc


def _dur_arg(d, name):
    if type(d) is not Duration:
        arg_error(2, name, "Duration expected, got %s" % lua_type(d))
    return d.ns


def _t_round(t=None, d=None, *_):
    t = _time_self(t, "round")
    dn = _dur_arg(d, "round")
    if dn <= 0:
        return Time(t.ns, t.loc)
    r = (t.ns - _ZERO_NS) % dn
    if r + r < dn:
        return Time(t.ns - r, t.loc)
    return Time(t.ns + dn - r, t.loc)


def _t_truncate(t=None, d=None, *_):
    t = _time_self(t, "truncate")
    dn = _dur_arg(d, "truncate")
    if dn <= 0:
        return Time(t.ns, t.loc)
    return Time(t.ns - (t.ns - _ZERO_NS) % dn, t.loc)


def _t_tostring(t, *_):
    s = go_format(t, "2006-01-02 15:04:05.999999999 -0700 MST")
    return s


def _make_time_meta():
    idx = LuaTable()
    for name, fn in (("add", _t_add), ("sub", _t_sub), ("add_date", _t_add_date),
                     ("before", _t_before), ("after", _t_after), ("equal", _t_equal),
                     ("format", _t_format), ("format_rfc3339", _t_format_rfc3339),
                     ("unix", _t_unix), ("unix_nano", _t_unix_nano), ("date", _t_date),
                     ("clock", _t_clock), ("is_zero", _t_is_zero), ("utc", _t_utc),
                     ("in_local", _t_in_local), ("in_location", _t_in_location),
                     ("location", _t_location), ("round", _t_round),
                     ("truncate", _t_truncate)):
        idx[name] = fn
    for i, name in enumerate(("year", "month", "day", "hour", "minute", "second",
                              "nanosecond", "weekday", "year_day")):
        idx[name] = _field(i, name)
    mt = LuaTable()
    mt["__index"] = idx
    mt["__tostring"] = _t_tostring
    mt["__name"] = "Time"
    return mt


Time.lua_meta = _make_time_meta()


def _d_self(d, name):
    if type(d) is not Duration:
        arg_error(1, name, "Duration expected, got %s" % lua_type(d))
    return d.ns


def _trunc_div(a, b):
    q = abs(a) // b
    return -q if a < 0 else q


def _make_duration_meta():
    idx = LuaTable()
    idx["hours"] = lambda d=None, *_: _d_self(d, "hours") / HOUR
    idx["minutes"] = lambda d=None, *_: _d_self(d, "minutes") / MINUTE
    idx["seconds"] = lambda d=None, *_: _d_self(d, "seconds") / SECOND
    idx["milliseconds"] = lambda d=None, *_: _trunc_div(_d_self(d, "milliseconds"),
                                                         MILLISECOND)
    idx["microseconds"] = lambda d=None, *_: _trunc_div(_d_self(d, "microseconds"),
                                                         MICROSECOND)
    idx["nanoseconds"] = lambda d=None, *_: _d_self(d, "nanoseconds")
    idx["string"] = lambda d=None, *_: format_duration(_d_self(d, "string"))
    mt = LuaTable()
    mt["__index"] = idx
    mt["__tostring"] = lambda d, *_: format_duration(d.ns)
    mt["__name"] = "Duration"
    return mt


Duration.lua_meta = _make_duration_meta()


def _make_location_meta():
    idx = LuaTable()

    def string(loc=None, *_):
        if type(loc) is not Location:
            arg_error(1, "string", "Location expected, got %s" % lua_type(loc))
        return loc.name
    idx["string"] = string
    mt = LuaTable()
    mt["__index"] = idx
    mt["__tostring"] = lambda loc, *_: loc.name
    mt["__name"] = "Location"
    return mt


Location.lua_meta = _make_location_meta()


def _m_now(*_):
    return Time(now(), LOCAL)


def _m_unix(sec=None, nsec=None, *_):
    sec = check_int(sec, 1, "unix")
    nsec = 0 if nsec is None else check_int(nsec, 2, "unix")
    return Time(sec * SECOND + nsec, LOCAL)


def _m_date(y=None, mo=None, d=None, h=None, mi=None, s=None, ns=None, loc=None, *_):
    vals = []
    for i, (v, dflt) in enumerate(((y, None), (mo, None), (d, None), (h, 0), (mi, 0), (s, 0),
                                   (ns, 0)), 1):
        if v is None and dflt is not None:
            vals.append(dflt)
        else:
            vals.append(check_int(v, i, "date"))
    if loc is None:
        loc = LOCAL
    elif type(loc) is not Location:
        arg_error(8, "date", "Location expected, got %s" % lua_type(loc))
    try:
        return from_wall(*vals, loc)
    except (OverflowError, ValueError) as e:
        return _err(INVALID, "time.date: %s" % e)


def _m_parse(layout=None, value=None, loc=None, *_):
    if type(layout) is not str:
        return _err(INVALID, "time.parse: layout must be a string, got %s" % lua_type(layout))
    if type(value) is not str:
        return _err(INVALID, "time.parse: value must be a string, got %s" % lua_type(value))
    if loc is not None and type(loc) is not Location:
        return _err(INVALID, "time.parse: location must be a Location, got %s" % lua_type(loc))
    try:
        return go_parse(layout, value, loc)
    except TimeParseError as e:
        return _err(INVALID, str(e))
    except (OverflowError, ValueError) as e:
        return _err(INVALID, "parsing time \"%s\": %s" % (value, e))


def _m_parse_duration(v=None, *_):
    ns, err = _dur_or_err(v)
    if err is not None:
        return None, err
    return Duration(ns)


def _m_load_location(name=None, *_):
    if type(name) is not str:
        return _err(INVALID, "time.load_location: string expected, got %s" % lua_type(name))
    try:
        return load_location(name)
    except ValueError:
        return _err(INVALID, "time.load_location: empty location name")
    except KeyError:
        return _err(NOT_FOUND, "unknown time zone %s" % name)


def _m_fixed_zone(name=None, offset=None, *_):
    if type(name) is not str:
        arg_error(1, "fixed_zone", "string expected, got %s" % lua_type(name))
    return fixed_zone(name, check_int(offset, 2, "fixed_zone"))


def _m_sleep(d=None, *_):
    ns, err = _dur_or_err(d)
    if err is not None:
        return None, err
    import gevent
    gevent.sleep(ns / SECOND if ns > 0 else 0)
    return ()


# --------------------------------------------------------------------------
# timers: hub timer watchers delivering into channels

_PENDING = set()    # armed _Clocks (keeps them alive; ``pending_timers()``)


class _Clock:
    """One armed hub timer watcher delivering ticks into a channel it
    holds weakly.  ``repeat``: a ticker (drops a tick while the previous
    one is still buffered); otherwise it fires once and disarms."""
    __slots__ = ("w", "ref", "repeat", "__weakref__")

    def __init__(self, ch, ns, repeat):
        secs = ns / SECOND if ns > 0 else 0.0
        self.repeat = repeat
        self.ref = weakref.ref(ch, self._gone)
        self.w = w = gevent.get_hub().loop.timer(secs, secs if repeat else 0.0)
        _PENDING.add(self)
        w.start(self._fire, update=True)

    def _fire(self):
        ch = self.ref()
        if not self.repeat or ch is None:
            self.cancel()
        if ch is not None and (not self.repeat or not ch.buf):
            ch.deliver(Time(now(), LOCAL))

    def _gone(self, _ref):
        # the channel was collected: nobody can receive the ticks any more
        self.cancel()

    def cancel(self):
        """Stop the watcher; True if it was still armed."""
        w = self.w
        if w is None:
            return False
        self.w = None
        _PENDING.discard(self)
        w.stop()
        w.close()
        return True


def pending_timers():
    """How many timer watchers are armed (for tests and diagnostics)."""
    return len(_PENDING)


def after_channel(ns):
    """A channel receiving the tick Time once, ``ns`` nanoseconds from now
    (at once if ``ns <= 0``)."""
    ch = Channel(1)
    if ns <= 0:
        ch.deliver(Time(now(), LOCAL))
    else:
        _Clock(ch, ns, False)
    return ch


class Timer(Userdata):
    """``time.timer(d)``: a one-shot timer with a one-slot channel."""
    __slots__ = ("ch", "clock")

    def __init__(self, ns):
        self.ch = Channel(1)
        self.clock = _Clock(self.ch, ns, False)

    def __repr__(self):
        return "Timer: 0x%08x" % id(self)

    def stop(self):
        """Cancel: True if the timer was pending (armed, or fired with its
        tick not received yet; that tick is discarded)."""
        was = self.clock is not None and self.clock.cancel()
        self.clock = None
        buf = self.ch.buf
        if buf:
            buf.clear()
            was = True
        return was

    def reset(self, ns):
        """Re-arm for ``ns`` from now; True if the timer was pending."""
        was = self.stop()
        self.clock = _Clock(self.ch, ns, False)
        return was


class Ticker(Userdata):
    """``time.ticker(d)``: ticks every ``d`` into a one-slot channel,
    dropping ticks while the previous one has not been received."""
    __slots__ = ("ch", "clock")

    def __init__(self, ns):
        self.ch = Channel(1)
        self.clock = _Clock(self.ch, ns, True)

    def __repr__(self):
        return "Ticker: 0x%08x" % id(self)

    def stop(self):
        """Stop ticking (a buffered tick is discarded); True if it was running."""
        was = self.clock is not None and self.clock.cancel()
        self.clock = None
        if self.ch.buf:
            self.ch.buf.clear()
        return was

    def reset(self, ns):
        """Tick every ``ns`` from now on; True if it was running."""
        was = self.stop()
        self.clock = _Clock(self.ch, ns, True)
        return was


def _positive_dur(d, what):
    ns, err = _dur_or_err(d)
    if err is not None:
        return None, err
    if ns <= 0:
        return None, new_error(INVALID, "%s: duration must be positive, got %s"
                               % (what, format_duration(ns)), False)
    return ns, None


def _m_after(d=None, *_):
    ns, err = _dur_or_err(d)
    if err is not None:
        return None, err
    return after_channel(ns)


def _m_timer(d=None, *_):
    ns, err = _positive_dur(d, "time.timer")
    if err is not None:
        return None, err
    return Timer(ns)


def _m_ticker(d=None, *_):
    ns, err = _positive_dur(d, "time.ticker")
    if err is not None:
        return None, err
    return Ticker(ns)


def _self_of(cls, name):
    def check(o):
        if type(o) is not cls:
            arg_error(1, name, "%s expected, got %s" % (cls.__name__, lua_type(o)))
        return o
    return check


def _make_timer_meta(cls):
    idx = LuaTable()
    name = cls.__name__

    def channel(o=None, *_):
        return _self_of(cls, "channel")(o).ch

    def stop(o=None, *_):
        return TRUE if _self_of(cls, "stop")(o).stop() else FALSE

    def reset(o=None, d=None, *_):
        o = _self_of(cls, "reset")(o)
        ns, err = _positive_dur(d, "%s:reset" % name.lower())
        if err is not None:
            return None, err
        return TRUE if o.reset(ns) else FALSE

    idx["response"] = channel
    idx["channel"] = channel
    idx["stop"] = stop
    idx["reset"] = reset
    mt = LuaTable()
    mt["__index"] = idx
    mt["__tostring"] = lambda o, *_: "%s: 0x%08x" % (name, id(o))
    mt["__name"] = name
    return mt


Timer.lua_meta = _make_timer_meta(Timer)
Ticker.lua_meta = _make_timer_meta(Ticker)


LAYOUTS = {
    "RFC3339": RFC3339,
    "RFC3339NANO": RFC3339NANO,
    "RFC822": "02 Jan 06 15:04 MST",
    "RFC822Z": "02 Jan 06 15:04 -0700",
    "RFC850": "Monday, 02-Jan-06 15:04:05 MST",
    "RFC1123": "Mon, 02 Jan 2006 15:04:05 MST",
    "RFC1123Z": "Mon, 02 Jan 2006 15:04:05 -0700",
    "DATE_TIME": "2006-01-02 15:04:05",
    "DATE_ONLY": "2006-01-02",
    "TIME_ONLY": "15:04:05",
    "KITCHEN": "3:04PM",
    "STAMP": "Jan _2 15:04:05",
    "STAMP_MILLI": "Jan _2 15:04:05.000",
    "STAMP_MICRO": "Jan _2 15:04:05.000000",
    "STAMP_NANO": "Jan _2 15:04:05.000000000",
}


def make_module():
    m = LuaTable()
    m["now"] = _m_now
    m["unix"] = _m_unix
    m["date"] = _m_date
    m["parse"] = _m_parse
    m["parse_duration"] = _m_parse_duration
    m["load_location"] = _m_load_location
    m["fixed_zone"] = _m_fixed_zone
    m["sleep"] = _m_sleep
    m["after"] = _m_after
    m["timer"] = _m_timer
    m["ticker"] = _m_ticker
    m["utc"] = UTC
    m["localtz"] = LOCAL
    for name, v in (("NANOSECOND", NANOSECOND), ("MICROSECOND", MICROSECOND),
                    ("MILLISECOND", MILLISECOND), ("SECOND", SECOND), ("MINUTE", MINUTE),
                    ("HOUR", HOUR)):
        m[name] = v
    m.update(LAYOUTS)
    for i, name in enumerate(_LONG_MONTHS, 1):
        m[name.upper()] = i
    for i, name in enumerate(_LONG_DAYS):
        m[name.upper()] = i
    return m
