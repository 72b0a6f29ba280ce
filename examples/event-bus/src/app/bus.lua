-- Topics: "subscribe" {topic=, name=}, "publish" {topic=, data=}, and
-- "sync" (answered once everything sent before it has been delivered).
-- Subscribers are kept by registered name; a name that no longer resolves
-- is dropped on the next publication.
type Sub = {topic: string, name: string}
type Pub = {topic: string, data: any}

local function main(): integer
  local subs: {[string]: {string}} = {}
  local inbox = process.inbox()
  while true do
    local msg = inbox:receive()
    local op = msg:topic()
    if op == "subscribe" then
      local s: Sub = msg:payload():data()
      subs[s.topic] = subs[s.topic] or {}
      table.insert(subs[s.topic], s.name)
    elseif op == "publish" then
      local p: Pub = msg:payload():data()
      local names = subs[p.topic] or {}
      for i = #names, 1, -1 do
        local ok = process.send(names[i], p.topic, p.data)
        if not ok then table.remove(names, i) end
      end
    elseif op == "sync" then
      process.send(msg:from(), "synced")
    elseif op == "stop" then
      return 0
    end
  end
end

return {main = main}
