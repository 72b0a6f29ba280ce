local io = require("io")

local function main(): integer
  local server, err = process.spawn_linked("app:server", "app:processes")
  if err then io.eprint("spawn failed: " .. tostring(err)); return 1 end

  kv.put(server, "lang", "lua")
  kv.put(server, "answer", 42)
  kv.put(server, "list", {1, 2, 3})
  kv.put(server, "gone", "soon")
  kv.delete(server, "gone")
  local list = kv.get(server, "list")
  list[4] = "local change"              -- a copy: the server's table is untouched
  io.print(string.format("kv: lang=%s answer=%d list=%d items gone=%s size=%d",
    kv.get(server, "lang"), kv.get(server, "answer"), #kv.get(server, "list"),
    tostring(kv.get(server, "gone")), kv.size(server)))
  process.terminate(server)
  return 0
end

return {main = main}
