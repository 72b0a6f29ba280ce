-- "alarm" messages arrive on their own listener (payloads directly); anything
-- else lands in the inbox as message objects.  On "report" it answers the
-- sender with what it saw and exits.
local function main(): integer
  local alarms = process.listen("alarm")
  local inbox = process.inbox()
  local seen = {alarms = {}, other = {}}
  while true do
    local r = channel.select({alarms:case_receive(), inbox:case_receive()})
    if r.channel == alarms then
      table.insert(seen.alarms, r.value)
    else
      local msg = r.value
      if msg:topic() == "report" then
        -- alarms sent before the report may still wait on their channel
        while true do
          local d = channel.select({alarms:case_receive(), default = true})
          if d.default then break end
          table.insert(seen.alarms, d.value)
        end
        process.send(msg:from(), "seen", seen)
        return #seen.alarms + #seen.other
      end
      table.insert(seen.other, msg:topic() .. "=" .. tostring(msg:payload():data()))
    end
  end
end

return {main = main}
