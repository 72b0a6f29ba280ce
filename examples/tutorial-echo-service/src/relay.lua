local logger = require("logger")
local time = require("time")

local counts = {received = 0, spawned = 0, finished = 0}

-- runs beside the main loop in the same process, sharing `counts`
local function report_every(period: string)
  while true do
    time.sleep(period)
    logger:info("relay stats", {received = counts.received, spawned = counts.spawned,
                                finished = counts.finished})
  end
end

local function main(): string
  local inbox, events = process.inbox(), process.events()
  process.registry.register("relay")
  logger:info("relay ready", {pid = process.pid()})
  coroutine.spawn(report_every, "2s")

  while true do
    local r = channel.select({inbox:case_receive(), events:case_receive()})
    if r.channel == events then
      local ev = r.value
      if ev.kind == process.event.CANCEL then
        logger:info("relay stopping", {received = counts.received})
        return "stopped"
      elseif ev.kind == process.event.EXIT then
        counts.finished = counts.finished + 1
        logger:debug("worker done", {worker = ev.from, error = ev.result.error})
      end
    else
      local msg = r.value
      if msg:topic() == "echo" then
        counts.received = counts.received + 1
        local req = msg:payload():data()
        local _, err = process.spawn_monitored("app:worker", "app:processes",
          req.reply_to, req.text, counts.received)
        if err then
          logger:error("cannot spawn a worker", {error = tostring(err)})
        else
          counts.spawned = counts.spawned + 1
        end
      end
    end
  end
end

return {main = main}
