local io = require("io")

type Job = {id: integer, n: integer}
type Result = {id: integer, worker: integer, count: integer}

local function primes_below(n: integer): integer
  local count = 0
  for i = 2, n - 1 do
    local prime = true
    local d = 2
    while d * d <= i do
      if i % d == 0 then prime = false; break end
      d = d + 1
    end
    if prime then count = count + 1 end
  end
  return count
end

-- A worker takes jobs until the jobs channel is closed, then says so.
local function worker(id: integer, jobs, results, done)
  while true do
    local job: Job?, ok = jobs:receive()
    if not ok then break end
    results:send({id = job.id, worker = id, count = primes_below(job.n)})
  end
  done:send(id)
end

local function main(njobs: string?, nworkers: string?): integer
  local jobs_n = math.tointeger(tonumber(njobs or "20")) or 20
  local workers_n = math.tointeger(tonumber(nworkers or "4")) or 4
  local jobs, results, done = channel.new(0), channel.new(jobs_n), channel.new(workers_n)

  for w = 1, workers_n do coroutine.spawn(worker, w, jobs, results, done) end
  coroutine.spawn(function()
    for i = 1, jobs_n do jobs:send({id = i, n = 200 * i}) end
    jobs:close()
  end)

  local total, by_worker = 0, {}
  for _ = 1, jobs_n do
    local r: Result = results:receive()
    total = total + r.count
    by_worker[r.worker] = (by_worker[r.worker] or 0) + 1
  end
  local busy = 0
  for _ = 1, workers_n do
    local w = done:receive()
    if by_worker[w] then busy = busy + 1 end
  end
  io.print(string.format("worker-pool: %d jobs on %d workers (%d busy), %d primes counted",
    jobs_n, workers_n, busy, total))
  return 0
end

return {main = main}
