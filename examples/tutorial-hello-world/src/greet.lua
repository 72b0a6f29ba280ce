-- GET /hello[?name=WHO]: answers {"message": "hello <who>"} as JSON.
local http = require("http")

local function handle()
  local req = http.request()
  local who = req:query("name")
  if who == nil or who == "" then who = "world" end

  local res = http.response()
  res:set_content_type(http.CONTENT.JSON)
  res:set_status(http.STATUS.OK)
  res:write_json({message = "hello " .. who})
end

return {handle = handle}
