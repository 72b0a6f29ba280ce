local io = require("io")
local events = require("events")

local SUBSCRIBERS = {
  {name = "audit", kinds = "*"},                 -- everything
  {name = "mailer", kinds = "user.created"},
  {name = "billing", kinds = "order.*"},
}

local function main(): integer
  local me = process.pid()
  local pids: {string} = {}
  for _, s in ipairs(SUBSCRIBERS) do
    local pid, err = process.spawn_linked("app:subscriber", "app:processes", s.name, s.kinds, me)
    if err then io.eprint(s.name .. ": " .. tostring(err)); return 1 end
    table.insert(pids, pid)
  end
  local inbox = process.inbox()
  for _ = 1, #SUBSCRIBERS do inbox:receive() end    -- "ready": all subscribed

  for i = 1, 2 do events.send("shop", "user.created", "/users/" .. i, {id = i}) end
  for i = 1, 3 do events.send("shop", "order.placed", "/orders/" .. i, {id = i}) end
  events.send("billing", "invoice.sent", "/invoices/1")   -- another system: nobody listens

  local parts = {}
  for _, pid in ipairs(pids) do
    process.send(pid, "report")
    local r = inbox:receive():payload():data()
    table.insert(parts, string.format("%s=%d", r.name, r.count))
  end
  io.print("event-bus: " .. table.concat(parts, " "))
  return 0
end

return {main = main}
