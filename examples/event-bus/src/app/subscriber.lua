local events = require("events")

-- Subscribes to the "shop" events matching `kinds`, tells `parent` it is
-- ready, counts what arrives, and answers "report" with the count.
local function main(name: string, kinds: string, parent: string): integer
  local sub, err = events.subscribe("shop", kinds)
  if not sub then error(err) end
  local ch, inbox = sub:channel(), process.inbox()
  process.send(parent, "ready", name)

  local count = 0
  while true do
    local r = channel.select({ch:case_receive(), inbox:case_receive()})
    if r.channel == ch then
      count = count + 1
    elseif r.value:topic() == "report" then
      -- take what is already queued before answering
      while not channel.select({ch:case_receive(), default = true}).default do
        count = count + 1
      end
      process.send(r.value:from(), "report", {name = name, count = count})
      sub:close()
      return count
    end
  end
end

return {main = main}
