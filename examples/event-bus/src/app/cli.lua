local io = require("io")

local SUBSCRIBERS = {
  {name = "audit", topics = {"user.created", "order.placed"}},
  {name = "mailer", topics = {"user.created"}},
  {name = "billing", topics = {"order.placed"}},
}

local function main(): integer
  local spawner = process.with_context({example = "event-bus"})
  local _, err = spawner:with_name("bus"):spawn_linked("app:bus", "app:processes")
  if err then io.eprint("bus: " .. tostring(err)); return 1 end
  for _, s in ipairs(SUBSCRIBERS) do
    local _, serr = spawner:with_name(s.name):spawn("app:subscriber", "app:processes",
      s.name, s.topics, process.pid())
    if serr then io.eprint(s.name .. ": " .. tostring(serr)); return 1 end
  end

  local inbox = process.inbox()
  for _ = 1, #SUBSCRIBERS do inbox:receive() end    -- "ready": subscriptions sent

  -- the bus handles its inbox in order, so these come after the subscriptions
  for i = 1, 2 do process.send("bus", "publish", {topic = "user.created", data = {id = i}}) end
  for i = 1, 3 do process.send("bus", "publish", {topic = "order.placed", data = {id = i}}) end
  process.send("bus", "sync")
  inbox:receive()                                   -- every event is delivered

  local parts = {}
  for _, s in ipairs(SUBSCRIBERS) do
    process.send(s.name, "report")
    local r = inbox:receive():payload():data()
    local total = 0
    for _, n in pairs(r.counts) do total = total + n end
    table.insert(parts, string.format("%s=%d", r.name, total))
  end
  process.send("bus", "stop")
  io.print("event-bus: " .. table.concat(parts, " "))
  return 0
end

return {main = main}
