-- trap_links stays false: when the linked crasher fails, this process is
-- taken down too and never reaches the end.
local function main(): string
  local _, err = process.spawn_linked("app:crasher", "app:workers")
  if err then return "spawn failed: " .. tostring(err) end
  process.inbox():receive()
  return "survived"
end

return {main = main}
