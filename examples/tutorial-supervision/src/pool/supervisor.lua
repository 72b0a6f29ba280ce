-- Keeps `size` workers alive.  Workers are linked (trap_links turns a failure
-- into a LINK_DOWN event instead of taking the pool down) and monitored (EXIT
-- tells a clean finish from a crash).  A crashed worker is restarted under the
-- same id after a short pause; one that finished cleanly is not.
-- Registered as "pool"; answers "roster" with {id = pid} of the live workers.
local time = require("time")

local function main(size: integer?): string
  size = size or 3
  process.set_options({trap_links = true})
  process.registry.register("pool")
  local events, inbox = process.events(), process.inbox()
  local by_pid = {}          -- pid -> id
  local restarts = 0

  local function start(id: integer)
    local pid, err = process.spawn_linked_monitored("app.pool:worker", "app:processes", id)
    if err then
      print("worker " .. id .. " could not start: " .. tostring(err))
      return
    end
    by_pid[pid] = id
    print("worker " .. id .. " started")
  end

  for id = 1, size do start(id) end
  print("pool up with " .. size .. " workers")

  while true do
    local r = channel.select({events:case_receive(), inbox:case_receive()})
    if r.channel == inbox then
      local msg = r.value
      if msg:topic() == "roster" then
        local roster = {}
        for pid, id in pairs(by_pid) do roster[tostring(id)] = pid end
        process.send(msg:from(), "roster", roster)
      end
    else
      local ev = r.value
      local id = by_pid[ev.from]
      if ev.kind == process.event.CANCEL then
        print("pool stopping after " .. restarts .. " restart(s)")
        return "stopped"
      elseif ev.kind == process.event.LINK_DOWN and id then
        by_pid[ev.from] = nil
        restarts = restarts + 1
        print("worker " .. id .. " died, restarting")
        time.sleep("100ms")
        start(id)
      elseif ev.kind == process.event.EXIT and id and not ev.result.error then
        by_pid[ev.from] = nil
        print("worker " .. id .. " finished cleanly (" .. tostring(ev.result.value) ..
          "), not restarted")
      end
    end
  end
end

return {main = main}
