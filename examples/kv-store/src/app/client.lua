-- Blocking request-reply helpers for the key-value server.
local kv = {}

local function call(server: string, op: string, req: table?): any
  local ok, err = process.send(server, op, req or {})
  if not ok then return nil, err end
  local msg = process.inbox():receive()
  return msg:payload():data().value
end

function kv.get(server: string, key: string): any
  return call(server, "get", {key = key})
end

function kv.put(server: string, key: string, value: any): boolean
  return call(server, "put", {key = key, value = value})
end

function kv.delete(server: string, key: string): boolean
  return call(server, "delete", {key = key})
end

function kv.size(server: string): integer
  return call(server, "size")
end

return kv
