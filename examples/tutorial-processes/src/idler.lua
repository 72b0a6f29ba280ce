-- Sleeps on its event channel; CANCEL ends it with a value.
local function main(): string
  local events = process.events()
  while true do
    local ev = events:receive()
    if ev.kind == process.event.CANCEL then
      return "cancelled politely"
    end
  end
end

return {main = main}
