-- Each block shows one channel pattern and prints one line about it.
local io = require("io")
local time = require("time")

local function buffered()
  local ch = channel.new(3)
  for _, w in ipairs({"red", "green", "blue"}) do ch:send(w) end   -- none of these block
  local got = {}
  for _ = 1, 3 do
    local v, ok = ch:receive()
    table.insert(got, v .. (ok and "" or "?"))
  end
  io.print("buffered: " .. table.concat(got, " "))
end

local function unbuffered()
  local ch, done = channel.new(0), channel.new(1)
  local steps = {}
  coroutine.spawn(function()
    table.insert(steps, "sending")
    ch:send("baton")              -- blocks until someone receives
    table.insert(steps, "sent")
    done:send(true)
  end)
  time.sleep("20ms")              -- the sender runs meanwhile and blocks in send
  local waiting = table.concat(steps, ",")
  local v = ch:receive()
  done:receive()
  io.print(string.format("unbuffered: after 20ms the sender was at %q; received %q, then it %s",
    waiting, v, steps[#steps]))
end

local function selecting()
  local left, right = channel.new(1), channel.new(1)
  right:send("from the right")
  local r = channel.select({left:case_receive(), right:case_receive()})
  local which = r.channel == right and "right" or "left"

  local idle = channel.select({left:case_receive(), default = true})

  local slot = channel.new(1)
  local first = channel.select({slot:case_send("first"), default = true})
  local second = channel.select({slot:case_send("second"), default = true})
  io.print(string.format("select: %s won (%q, ok=%s); empty -> default=%s; " ..
    "case_send ok=%s, then full -> default=%s; slot holds %q",
    which, r.value, tostring(r.ok), tostring(idle.default), tostring(first.ok),
    tostring(second.default), slot:receive()))
end

local function timeout()
  local never = channel.new(0)
  local r = channel.select({never:case_receive(), time.after("30ms"):case_receive()})
  io.print("timeout: " .. (r.channel == never and "got a value?!" or "time.after fired first"))
end

local function producer_consumer()
  local queue, total = channel.new(4), channel.new(1)
  coroutine.spawn(function()
    local sum, n = 0, 0
    while true do
      local v, ok = queue:receive()
      if not ok then break end        -- closed and drained
      sum, n = sum + v, n + 1
    end
    total:send({sum = sum, n = n})
  end)
  for i = 1, 10 do queue:send(i) end
  queue:close()
  local t = total:receive()
  io.print(string.format("producer/consumer: %d values, sum %d", t.n, t.sum))
end

local function ping_pong()
  local ping, pong, finished = channel.new(0), channel.new(0), channel.new(1)
  local rounds = 4
  coroutine.spawn(function()
    for i = 1, rounds do
      local n = ping:receive()
      pong:send(n * 10)
    end
    finished:send("player 2 done")
  end)
  local echoes = {}
  for i = 1, rounds do
    ping:send(i)
    table.insert(echoes, (pong:receive()))
  end
  io.print("ping-pong: " .. table.concat(echoes, " ") .. " (" .. finished:receive() .. ")")
end

local function fan_out()
  local jobs, results = channel.new(8), channel.new(8)
  for w = 1, 3 do
    coroutine.spawn(function()
      while true do
        local n, ok = jobs:receive()
        if not ok then return end
        results:send({worker = w, square = n * n})
      end
    end)
  end
  for n = 1, 6 do jobs:send(n) end
  jobs:close()
  local sum, handled = 0, 0
  for _ = 1, 6 do
    local r = results:receive()
    sum = sum + r.square
    handled = handled + 1
  end
  io.print(string.format("fan-out: 3 workers, %d jobs, squares of 1..6 sum to %d", handled, sum))
end

local function fan_in()
  local merged = channel.new(0)
  local producers, each = 4, 5
  for p = 1, producers do
    coroutine.spawn(function()
      for i = 1, each do merged:send({from = p, item = i}) end
    end)
  end
  local count, last = {}, {}
  local ordered = true
  for _ = 1, producers * each do
    local m = merged:receive()
    count[m.from] = (count[m.from] or 0) + 1
    if m.item ~= (last[m.from] or 0) + 1 then ordered = false end
    last[m.from] = m.item
  end
  local parts = {}
  for p = 1, producers do table.insert(parts, string.format("#%d:%d", p, count[p])) end
  io.print("fan-in: " .. table.concat(parts, " ") .. (ordered and ", each in order" or ""))
end

local function closing()
  local ch = channel.new(2)
  ch:send("last words")
  ch:close()
  local v1, ok1 = ch:receive()      -- buffered values survive the close
  local v2, ok2 = ch:receive()      -- then: nil, false
  local sent, err = pcall(ch.send, ch, "too late")
  io.print(string.format("close: %q %s, then %s %s; send after close fails: %s",
    v1, tostring(ok1), tostring(v2), tostring(ok2), tostring(not sent and err ~= nil)))
end

local function main(): integer
  buffered()
  unbuffered()
  selecting()
  timeout()
  producer_consumer()
  ping_pong()
  fan_out()
  fan_in()
  closing()
  return 0
end

return {main = main}
