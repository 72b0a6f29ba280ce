-- A pool worker: answers "job" messages ({n = ...} -> n * n on topic "done")
-- until cancelled.
local function main(id: integer): string
  local events, inbox = process.events(), process.inbox()
  local jobs = 0
  while true do
    local r = channel.select({events:case_receive(), inbox:case_receive()})
    if r.channel == events then
      if r.value.kind == process.event.CANCEL then
        return "worker " .. id .. " cancelled after " .. jobs .. " job(s)"
      end
    else
      local msg = r.value
      if msg:topic() == "job" then
        local n = msg:payload():data()
        jobs = jobs + 1
        process.send(msg:from(), "done", {worker = id, result = n * n})
      end
    end
  end
end

return {main = main}
