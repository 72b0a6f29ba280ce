-- Counts "tick" messages; on CANCEL it cleans up and returns the count.
local function main(): string
  local events, inbox = process.events(), process.inbox()
  local ticks = 0
  while true do
    local r = channel.select({inbox:case_receive(), events:case_receive()})
    if r.channel == events then
      if r.value.kind == process.event.CANCEL then
        return "counted " .. ticks .. " tick(s) before cancel"
      end
    elseif r.value:topic() == "tick" then
      ticks = ticks + 1
    end
  end
end

return {main = main}
