-- Once the pool is up: gives worker 3 a job, kills worker 2 (the pool
-- restarts it; we wait for the new one) and cancels worker 3 (it exits cleanly;
-- no restart).
-- Every wait also watches for CANCEL, so a shutdown is not held up.
local time = require("time")

local events = process.events()

-- waits on `ch` for at most `d`; returns the value, or nil (timeout) and
-- "cancelled" when the runtime asks us to stop
local function wait_on(ch, d: string)
  local r = channel.select({ch:case_receive(), events:case_receive(), time.after(d):case_receive()})
  if r.channel == events then
    if r.value.kind == process.event.CANCEL then return nil, "cancelled" end
    return nil
  end
  if r.channel == ch then return r.value end
  return nil
end

local function pause(d: string): boolean
  local _, stop = wait_on(channel.new(0), d)
  return stop == nil
end

local function ask_roster(inbox)
  process.send("pool", "roster", true)
  local msg = wait_on(inbox, "2s")
  return msg and msg:payload():data()
end

local function main(): string
  local inbox = process.inbox()
  for _ = 1, 250 do
    if process.registry.lookup("pool") then break end
    if not pause("20ms") then return "cancelled" end
  end
  if not pause("100ms") then return "cancelled" end
  local roster = ask_roster(inbox)
  if not roster then return "no roster" end

  process.send(roster["3"], "job", 12)
  local msg = wait_on(inbox, "2s")
  if not msg then return "no answer" end
  local done = msg:payload():data()
  print("chaos: worker " .. done.worker .. " squared 12 = " .. done.result)

  print("chaos: terminating worker 2")
  local old = roster["2"]
  process.terminate(old)
  -- until the pool has a new worker 2
  repeat
    if not pause("50ms") then return "cancelled" end
    roster = ask_roster(inbox) or {}
  until roster["2"] and roster["2"] ~= old
  print("chaos: cancelling worker 3")
  process.cancel(roster["3"])
  if not pause("100ms") then return "cancelled" end
  roster = ask_roster(inbox)
  local ids = {}
  for id in pairs(roster or {}) do table.insert(ids, id) end
  table.sort(ids)
  print("chaos: live workers " .. table.concat(ids, ","))
  return "done"
end

return {main = main}
