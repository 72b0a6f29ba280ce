-- Registers as "ping"; a "start" message {rounds=, reply_to=} makes it play
-- that many rounds with the process named "pong", then report back.
type Start = {rounds: integer, reply_to: string}

local function play(inbox, rounds: integer): integer
  local last = 0
  for i = 1, rounds do
    process.send("pong", "ping", i)
    local msg = inbox:receive()
    last = msg:payload():data()
  end
  return last
end

local function main(): integer
  process.registry.register("ping")
  local inbox, events = process.inbox(), process.events()
  while true do
    local r = channel.select({inbox:case_receive(), events:case_receive()})
    if r.channel == events then
      if r.value.kind == process.event.CANCEL then return 0 end
    elseif r.value:topic() == "start" then
      local start: Start = r.value:payload():data()
      local last = play(inbox, start.rounds)
      process.send(start.reply_to, "done", {rounds = start.rounds, last = last})
    end
  end
end

return {main = main}
