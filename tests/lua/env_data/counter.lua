#!/usr/bin/env lua
-- loaded by env_load.lua with loadfile (the first line is skipped)
count = (count or 0) + 1
return count, _ENV
