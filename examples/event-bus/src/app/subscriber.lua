-- Subscribes to `topics` on the bus under its own name, tells `parent` it is
-- ready, counts the events it gets, and answers "report" with the counts.
local function main(name: string, topics: {string}, parent: string): integer
  for _, t in ipairs(topics) do
    process.send("bus", "subscribe", {topic = t, name = name})
  end
  process.send(parent, "ready", name)
  local counts: {[string]: integer} = {}
  local inbox = process.inbox()
  while true do
    local msg = inbox:receive()
    local topic = msg:topic()
    if topic == "report" then
      process.send(msg:from(), "report", {name = name, counts = counts})
      return 0
    end
    counts[topic] = (counts[topic] or 0) + 1
  end
end

return {main = main}
