-- Walks through the process API, one line of output per mechanism.
local io = require("io")
local time = require("time")

local HOST = "app:workers"

-- the next event (or nil after `wait`)
local function next_event(events, wait: string)
  local r = channel.select({events:case_receive(), time.after(wait):case_receive()})
  if r.channel == events then return r.value end
  return nil
end

-- the next inbox message with `topic` (or nil after `wait`)
local function next_message(inbox, topic: string, wait: string)
  local deadline = time.after(wait)
  while true do
    local r = channel.select({inbox:case_receive(), deadline:case_receive()})
    if r.channel == deadline then return nil end
    if r.value:topic() == topic then return r.value end
  end
end

local function must(v, err)
  if err then error(tostring(err), 2) end
  return v
end

local function main(): integer
  local inbox, events = process.inbox(), process.events()
  local me = process.pid()

  -- spawning: a PID is a string naming the new process
  local shouter = must(process.spawn("app:shouter", HOST))
  io.print(string.format("spawn: a %s pid, %s", type(shouter),
    shouter ~= me and "not mine" or "mine?!"))

  -- send + listen in message mode: the worker sees who asked
  must(process.send(shouter, "shout", "hello, processes"))
  local reply = next_message(inbox, "shouted", "2s")
  io.print("send/listen: " .. (reply and reply:payload():data() or "no answer"))

  -- a topic listener takes its topic; the inbox gets everything else
  local sorter = must(process.spawn("app:sorter", HOST))
  process.send(sorter, "alarm", "fire")
  process.send(sorter, "memo", "lunch")
  process.send(sorter, "alarm", "flood")
  process.send(sorter, "note", 42)
  process.send(sorter, "report", true)
  local seen = next_message(inbox, "seen", "2s"):payload():data()
  io.print("listen vs inbox: alarms " .. table.concat(seen.alarms, ",") ..
    "; inbox " .. table.concat(seen.other, ","))

  -- spawn_monitored: an EXIT event carries the return value
  local job = must(process.spawn_monitored("app:tripler", HOST, {n = 1, value = 14}))
  local ev = next_event(events, "2s")
  io.print(string.format("spawn_monitored: %s from the tripler, value %s",
    ev.kind == process.event.EXIT and ev.from == job and "EXIT" or "?", tostring(ev.result.value)))

  -- monitor an already running process, then cancel it gracefully
  local idler = must(process.spawn("app:idler", HOST))
  must(process.monitor(idler))
  must(process.cancel(idler))
  ev = next_event(events, "2s")
  io.print(string.format("monitor + cancel: EXIT, value %q, error %s",
    tostring(ev.result.value), tostring(ev.result.error)))

  -- unmonitor: no more EXIT events from that process
  idler = must(process.spawn_monitored("app:idler", HOST))
  must(process.unmonitor(idler))
  must(process.cancel(idler))
  io.print("unmonitor: " .. (next_event(events, "100ms") and "an EXIT came anyway"
    or "no EXIT within 100ms"))

  -- trap_links: a failing linked process becomes a LINK_DOWN event
  must(process.set_options({trap_links = true}))
  local opts = process.get_options()
  local crasher = must(process.spawn_linked("app:crasher", HOST))
  ev = next_event(events, "2s")
  io.print(string.format("trap_links=%s: %s from the crasher, still running",
    tostring(opts.trap_links),
    ev and ev.kind == process.event.LINK_DOWN and ev.from == crasher and "LINK_DOWN" or "nothing"))

  -- without trap_links, a process dies with the linked process that failed
  local bystander = must(process.spawn_monitored("app:bystander", HOST))
  ev = next_event(events, "2s")
  io.print(string.format("no trap_links: the bystander exited with %s",
    ev and ev.from == bystander and ev.result.error and "an error" or
    tostring(ev and ev.result.value)))

  -- link/unlink by hand: only the linked one reports its forced end
  local a = must(process.spawn("app:idler", HOST))
  local b = must(process.spawn("app:idler", HOST))
  must(process.link(a))
  must(process.link(b))
  must(process.unlink(a))
  must(process.terminate(a))
  must(process.terminate(b))
  local downs = {}
  while true do
    ev = next_event(events, "100ms")
    if not ev then break end
    if ev.kind == process.event.LINK_DOWN then
      table.insert(downs, ev.from == a and "a" or ev.from == b and "b" or "?")
    end
  end
  io.print("link/unlink: LINK_DOWN from " .. table.concat(downs, ","))

  -- names: register, look up, send by name, unregister
  must(process.registry.register("tour"))
  local found = process.registry.lookup("tour")
  must(process.send("tour", "to-myself", "by name"))
  local note = next_message(inbox, "to-myself", "1s")
  local gone = process.registry.unregister("tour")
  local after, lookup_err = process.registry.lookup("tour")
  io.print(string.format("registry: lookup %s, message %q, unregistered %s, then %s",
    found == me and "is me" or "differs", note:payload():data(), tostring(gone),
    after == nil and lookup_err and "not found" or "still there"))

  -- a monitored pool: five jobs, one of them bad
  local values = {5, 10, -1, 20, 25}
  local jobs = {}
  for i, v in ipairs(values) do
    local pid = must(process.spawn_monitored("app:tripler", HOST, {n = i, value = v}))
    jobs[pid] = i
  end
  local results, failed, pending = {}, 0, #values
  local deadline = time.after("5s")
  while pending > 0 do
    local r = channel.select({events:case_receive(), deadline:case_receive()})
    if r.channel == deadline then break end
    local i = jobs[r.value.from]
    if r.value.kind == process.event.EXIT and i then
      pending = pending - 1
      if r.value.result.error then
        failed = failed + 1
        results[i] = "failed"
      else
        results[i] = tostring(r.value.result.value)
      end
    end
  end
  io.print(string.format("pool: %d jobs, %d failed: %s", #values, failed,
    table.concat(results, " ")))
  return pending == 0 and 0 or 1
end

return {main = main}
