-- The application's settings, read through the env variables of _index.yaml.
local env = require("env")

type Settings = {name: string, port: integer, region: string}

local function load(): Settings
  local port = math.tointeger(tonumber(env.get("LISTEN_PORT"))) or 8080
  return {
    name = env.get("APP_NAME") or "?",
    port = port,
    region = env.get("DEPLOY_REGION") or "?",
  }
end

return {load = load}
