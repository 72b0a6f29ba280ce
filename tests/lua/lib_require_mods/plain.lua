-- a module returning a table; the loader gets the module name and file name
local name, file = ...
print("loading plain", name, file, select("#", ...))
plain_loads = (plain_loads or 0) + 1
return {name = name, file = file}
