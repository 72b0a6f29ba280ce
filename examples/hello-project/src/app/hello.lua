local funcs = require("funcs")

type Greeting = {message: string, length: integer}

local function main(name: string?): string
  local who = text.title(name or "world")
  local n, err = funcs.call("app:count", who)
  if err then
    return nil, err
  end
  local g: Greeting = {message = "hello, " .. who, length = n}
  return json.encode(g)
end

return {main = main}
