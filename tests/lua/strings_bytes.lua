-- strings are byte strings: escapes, bytes >= 128, embedded zeros
local s = "a\0b\200\255"
print("len", #s, s:len())
print("bytes", s:byte(1, -1))
print("zero", s:byte(2), #"\0\0\0")
print("decimal escapes", "\65\066\0671" == "ABC1")
print("hex escapes", "\x41\x62\x7A", #"\xff\xFE")
print("\\z", "a\z
       b")
print("utf8 escape", #"\u{48}\u{E9}\u{20AC}\u{10FFFF}", ("\u{E9}"):byte(1, -1))
print("long string", [[
first newline skipped]], [==[a]]b]==])
print("line continuation", "a\
b" == "a\nb")
print("escapes", ("\a\b\f\n\r\t\v\\\"\'"):byte(1, -1))
print("char", string.char(72, 105, 0, 255):byte(1, -1))
print("char empty", string.char() == "")
local all = {}
for i = 0, 255 do all[#all + 1] = string.char(i) end
local allbytes = table.concat(all)
print("all bytes", #allbytes, allbytes:byte(129), allbytes:sub(66, 70))
print("upper of high bytes", ("\200a\255"):upper():byte(1, -1))
print("compare bytes", "\200" > "z", "a\0b" < "a\0c", "a\0" > "a", "" < "\0")
print("rep with zeros", #("\0"):rep(10), ("ab\0"):rep(2, "\0"):byte(1, -1))
print("find zero", ("abc\0def"):find("\0", 1, true), ("abc\0def"):find("%z"))
print("reverse", ("a\0\255"):reverse():byte(1, -1))
print("format %s zero", #string.format("%s", "a\0b"))
print("tostring keeps bytes", tostring("\255") == "\255")
print("concat numbers", 1 .. 2, 1.5 .. "x")
print("sub", ("hello"):sub(2, 3), ("hello"):sub(-3), ("hello"):sub(0), ("hello"):sub(10), ("hello"):sub(3, 2))
print("gsub bytes", (("\1\2\3"):gsub(".", function(c) return c:byte() .. "," end)))
print("%q of control chars", string.format("%q", "\1\r\0\200"))
