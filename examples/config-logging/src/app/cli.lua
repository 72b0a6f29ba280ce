local io = require("io")
local time = require("time")
local env = require("env")
local logger = require("logger")

local function await_name(name: string): string?
  for _ = 1, 200 do
    local pid = process.registry.lookup(name)
    if pid then return pid end
    time.sleep("10ms")
  end
  return nil
end

local function greet(who: string): string
  process.send("greeter", "greet", {name = who, reply_to = process.pid()})
  return process.inbox():receive():payload():data()
end

local function main(who: string?): integer
  local log = logger:named("cli")
  local cfg = settings.load()
  io.print(string.format("settings: app=%s port=%d region=%s", cfg.name, cfg.port, cfg.region))
  if not await_name("greeter") then
    log:error("the greeter did not start")
    return 1
  end
  local name = who or "ada"
  io.print("greeter: " .. greet(name))

  -- an override lands in the memory storage, the first of the router
  local ok, err = env.set("GREETING", "Howdy")
  if not ok then
    log:error("override failed", {error = tostring(err)})
    return 1
  end
  io.print("after override: " .. greet(name))

  -- LISTEN_PORT is read-only
  local _, perr = env.set("LISTEN_PORT", "1")
  log:with({variable = "LISTEN_PORT"}):warn("refused", {kind = perr:kind()})
  io.print("read-only port: " .. perr:kind())
  return 0
end

return {main = main}
