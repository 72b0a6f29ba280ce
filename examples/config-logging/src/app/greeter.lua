-- Registers as "greeter" and answers {name=, reply_to=} with a greeting.
-- GREETING is read on every request, so a runtime override shows at once.
local env = require("env")
local logger = require("logger")

local function main(): integer
  local cfg = settings.load()
  local log = logger:named("greeter"):with({app = cfg.name, region = cfg.region})
  process.registry.register("greeter")
  log:info("started", {port = cfg.port})
  local inbox, events = process.inbox(), process.events()
  local served = 0
  while true do
    local r = channel.select({inbox:case_receive(), events:case_receive()})
    if r.channel == events then
      if r.value.kind == process.event.CANCEL then
        log:info("stopping", {served = served})
        return 0
      end
    else
      local req = r.value:payload():data()
      served = served + 1
      local rlog = log:with({request = served})
      local greeting = env.get("GREETING")
      rlog:debug("greeting", {who = req.name, greeting = greeting})
      process.send(req.reply_to, "greeting", greeting .. ", " .. req.name)
    end
  end
end

return {main = main}
