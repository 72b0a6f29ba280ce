falsy_loads = (falsy_loads or 0) + 1
return false
