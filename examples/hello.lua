-- A typed-Lua script: run it with `wippy lua examples/hello.lua`
type Greeting = {name: string, times: integer}

local function greet(g: Greeting): string
  local parts: {string} = {}
  for i = 1, g.times do
    parts[#parts + 1] = string.format("hello, %s (%d)", g.name, i)
  end
  return table.concat(parts, "\n")
end

print(greet({name = arg[1] or "wippy", times = 3}))
