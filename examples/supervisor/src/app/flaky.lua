local time = require("time")

-- Each run asks the process named "observer" which attempt it is; the first
-- `failures` runs crash, the next one reports success and returns.
local function main(failures: integer): integer
  local observer: string? = nil
  while not observer do
    observer = process.registry.lookup("observer")
    if not observer then time.sleep("5ms") end
  end
  process.send(observer, "started", process.pid())
  local attempt: integer = process.inbox():receive():payload():data()
  if attempt <= failures then
    error(string.format("attempt %d: simulated crash", attempt))
  end
  process.send(observer, "succeeded", attempt)
  return 0
end

return {main = main}
