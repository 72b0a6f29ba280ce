local time = require("time")

type Job = {n: integer, value: integer}

local function main(job: Job): integer
  time.sleep(tostring(10 * job.n) .. "ms")
  if job.value < 0 then
    error("cannot triple " .. job.value)
  end
  return job.value * 3
end

return {main = main}
