-- node(depth, observer): spawns the next node linked to itself while depth > 0,
-- reports its pid to `observer`, then waits.  Links are not trapped, so when
-- the first node is terminated the failure runs down the whole chain.
local function node(depth: integer, observer: string)
  if depth > 0 then
    local _, err = process.spawn_linked("app.demo:link", "app:processes", depth - 1, observer)
    if err then error("spawn failed: " .. tostring(err)) end
  end
  process.send(observer, "node", depth)
  local events = process.events()
  while true do
    local ev = events:receive()
    if ev.kind == process.event.CANCEL then return "cancelled" end
  end
end

return {node = node}
