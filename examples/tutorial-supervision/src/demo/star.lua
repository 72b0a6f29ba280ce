-- The hub spawns `n` spokes; each spoke links itself to the hub (trapping
-- links) and confirms.  Once all are linked the hub fails on purpose, and
-- every spoke sees LINK_DOWN and tells `observer`.
local time = require("time")

local function hub(n: integer, observer: string)
  process.set_options({trap_links = true})
  local inbox, events = process.inbox(), process.events()
  for _ = 1, n do
    local _, err = process.spawn("app.demo:spoke", "app:processes", process.pid(), observer)
    if err then error("spawn failed: " .. tostring(err)) end
  end
  local linked = 0
  while linked < n do
    local r = channel.select({inbox:case_receive(), events:case_receive()})
    if r.channel == events then
      if r.value.kind == process.event.CANCEL then return "cancelled" end
    elseif r.value:topic() == "linked" then
      linked = linked + 1
    end
  end
  process.send(observer, "hub ready", n)
  time.sleep("20ms")
  error("hub failure on purpose")
end

local function spoke(hub_pid: string, observer: string): string
  process.set_options({trap_links = true})
  local events = process.events()
  process.link(hub_pid)
  process.send(hub_pid, "linked", process.pid())
  while true do
    local ev = events:receive()
    if ev.kind == process.event.LINK_DOWN and ev.from == hub_pid then
      process.send(observer, "orphaned", process.pid())
      return "hub gone"
    elseif ev.kind == process.event.CANCEL then
      return "cancelled"
    end
  end
end

return {hub = hub, spoke = spoke}
