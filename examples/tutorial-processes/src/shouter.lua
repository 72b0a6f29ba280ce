-- Waits for one "shout" message and sends the text back upper-cased.
-- Message mode ({message = true}) gives the message object, so the sender is known.
local function main(): boolean
  local shouts = process.listen("shout", {message = true})
  local msg = shouts:receive()
  if not msg then return false end
  local sender = msg:from()
  if sender then
    process.send(sender, "shouted", string.upper(msg:payload():data()))
  end
  return true
end

return {main = main}
