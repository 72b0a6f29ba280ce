local function hello()
  local req = http.request()
  local res = http.response()
  res:write_json({message = "hello, " .. req:param("name"), from = req:remote_addr()})
end

local function echo()
  local req = http.request()
  local res = http.response()
  local data, err = req:body_json()
  if err then
    res:set_status(http.STATUS.BAD_REQUEST)
    return res:write_json({error = err:message()})
  end
  res:write_json({received = data})
end

local function ticks()
  local req = http.request()
  local res = http.response()
  local n = tonumber(req:query("n")) or 5
  for i = 1, n do
    res:write_event({name = "tick", data = {i = i}})
    time.sleep("500ms")
  end
  res:write_event({name = "done", data = {count = n}})
end

return {hello = hello, echo = echo, ticks = ticks}
