"""The Lua runtime: the value model, the standard libraries and the operations
that compiled Lua code calls when its inline fast paths do not apply."""
