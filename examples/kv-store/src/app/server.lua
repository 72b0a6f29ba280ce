-- Requests arrive as topics get/put/delete/size; the reply goes to
-- msg:from() on topic "reply". The table never leaves this process.
type Request = {key: string?, value: any}

local function main(): integer
  local store: {[string]: any} = {}
  local size = 0
  local inbox, events = process.inbox(), process.events()
  while true do
    local r = channel.select({inbox:case_receive(), events:case_receive()})
    if r.channel == events then
      if r.value.kind == process.event.CANCEL then return size end
    else
      local msg = r.value
      local op = msg:topic()
      local req: Request = msg:payload():data() or {}
      local reply: any = nil
      if op == "get" then
        reply = store[req.key]
      elseif op == "put" then
        if store[req.key] == nil then size = size + 1 end
        store[req.key] = req.value
        reply = true
      elseif op == "delete" then
        if store[req.key] ~= nil then size = size - 1 end
        store[req.key] = nil
        reply = true
      elseif op == "size" then
        reply = size
      end
      process.send(msg:from(), "reply", {op = op, value = reply})
    end
  end
end

return {main = main}
