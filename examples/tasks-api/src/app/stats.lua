-- The request counter: registered as "stats", it counts "hit" messages (the
-- payload names the route) and answers a "get" to its sender with "count".
local function main(): integer
  process.registry.register("stats")
  local total = 0
  local routes: {[string]: integer} = {}
  local inbox, events = process.inbox(), process.events()
  while true do
    local r = channel.select({inbox:case_receive(), events:case_receive()})
    if r.channel == events then
      if r.value.kind == process.event.CANCEL then return 0 end
    else
      local msg = r.value
      local topic = msg:topic()
      if topic == "hit" then
        total = total + 1
        local route = tostring(msg:payload():data() or "?")
        routes[route] = (routes[route] or 0) + 1
      elseif topic == "get" then
        process.send(msg:from(), "count", {requests = total, routes = routes})
      end
    end
  end
end

-- One question to the counter: send "get", wait for the "count" reply (1s at most).
local function ask(): table
  local ok, err = process.send("stats", "get")
  if not ok then error(err) end
  local r = channel.select({process.inbox():case_receive(), time.after("1s"):case_receive()})
  if not r.ok or r.channel ~= process.inbox() then error("stats: no reply within 1s") end
  return r.value:payload():data()
end

return {main = main, ask = ask}
