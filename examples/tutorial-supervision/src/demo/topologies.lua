-- Runs each supervision scenario and prints one line about it.
local io = require("io")
local time = require("time")

local HOST = "app:processes"

local function within(ch, wait: string)
  local r = channel.select({ch:case_receive(), time.after(wait):case_receive()})
  if r.channel == ch then return r.value end
  return nil
end

local function main(): integer
  local me = process.pid()
  local events, inbox = process.events(), process.inbox()

  -- the default: trap_links is off
  io.print("default trap_links: " .. tostring(process.get_options().trap_links))

  -- cancel: the worker notices CANCEL, cleans up and returns a value
  local counter = process.spawn_monitored("app.demo:counter", HOST)
  for _ = 1, 3 do process.send(counter, "tick", true) end
  time.sleep("20ms")
  process.cancel(counter)
  local ev = within(events, "2s")
  io.print("cancel: EXIT value \"" .. tostring(ev and ev.result.value) .. "\"")

  -- terminate: no cleanup; the monitor's EXIT carries an error
  counter = process.spawn_monitored("app.demo:counter", HOST)
  process.terminate(counter)
  ev = within(events, "2s")
  io.print("terminate: EXIT " .. (ev and ev.result.error and "with an error" or "without error"))

  -- links: a clean exit (after cancel) raises no LINK_DOWN; a forced one does
  process.set_options({trap_links = true})
  local calm = process.spawn_linked("app.demo:counter", HOST)
  local doomed = process.spawn_linked("app.demo:counter", HOST)
  time.sleep("10ms")
  process.cancel(calm)
  process.terminate(doomed)
  local downs = {}
  while true do
    ev = within(events, "150ms")
    if not ev then break end
    if ev.kind == process.event.LINK_DOWN then
      table.insert(downs, ev.from == calm and "cancelled one" or ev.from == doomed and
        "terminated one" or "?")
    end
  end
  io.print("links: LINK_DOWN from " .. table.concat(downs, ", "))
  process.set_options({trap_links = false})

  -- star: 5 spokes linked to a hub that fails
  local hub = process.spawn_monitored("app.demo:hub", HOST, 5, me)
  local ready = within(inbox, "2s")
  local orphans = 0
  local hub_error = false
  local deadline = time.after("3s")
  while orphans < 5 or not hub_error do
    local r = channel.select({inbox:case_receive(), events:case_receive(),
                              deadline:case_receive()})
    if r.channel == deadline then break end
    if r.channel == inbox and r.value:topic() == "orphaned" then
      orphans = orphans + 1
    elseif r.channel == events and r.value.from == hub then
      hub_error = r.value.result.error ~= nil
    end
  end
  io.print(string.format("star: hub linked to %d spokes, failed: %s; %d spokes saw LINK_DOWN",
    ready and ready:payload():data() or 0, tostring(hub_error), orphans))

  -- chain: 5 nodes, each linked to the one before; terminating the head
  -- brings them all down
  local head = process.spawn("app.demo:link", HOST, 4, me)
  local depths, nodes = {}, {}
  for _ = 1, 5 do
    local m = within(inbox, "2s")
    if not m then break end
    table.insert(depths, m:payload():data())
    table.insert(nodes, m:from())
  end
  for _, pid in ipairs(nodes) do process.monitor(pid) end
  process.terminate(head)
  local failed = 0
  for _ = 1, #nodes do
    ev = within(events, "2s")
    if ev and ev.kind == process.event.EXIT and ev.result.error then failed = failed + 1 end
  end
  table.sort(depths)
  io.print(string.format("chain: nodes at depths %s; head terminated, %d of %d exited with errors",
    table.concat(depths, ","), failed, #nodes))
  return 0
end

return {main = main}
