local io = require("io")
local time = require("time")

-- Spawns COUNT monitored children, then counts their reports (inbox) and
-- their EXIT events (events channel) until every one is accounted for.
local function main(count: string?): integer
  local n = math.tointeger(tonumber(count or "10000")) or 10000
  local me = process.pid()
  local t0 = time.now()
  for i = 1, n do
    local _, err = process.spawn_monitored("app:child", "app:processes", me, i)
    if err then io.eprint("spawn failed: " .. tostring(err)); return 1 end
  end

  local inbox, events = process.inbox(), process.events()
  local reports, exits, report_sum, exit_sum = 0, 0, 0, 0
  while reports < n or exits < n do
    local r = channel.select({inbox:case_receive(), events:case_receive()})
    if r.channel == inbox then
      reports = reports + 1
      report_sum = report_sum + r.value:payload():data()
    elseif r.value.kind == process.event.EXIT then
      exits = exits + 1
      exit_sum = exit_sum + r.value.result.value
    end
  end
  local secs = time.now():sub(t0):seconds()
  local ok = report_sum == n * (n + 1) // 2 and exit_sum == 2 * report_sum
  io.print(string.format("mass-spawn: %d processes, %d reports, %d EXIT events, sums %s (%.2fs)",
    n, reports, exits, ok and "ok" or "WRONG", secs))
  return ok and 0 or 1
end

return {main = main}
