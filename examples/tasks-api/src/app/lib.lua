-- Shared by the handlers: JSON replies, the request counter, task rows.
type Task = {id: integer, title: string, description: string, done: boolean,
             created_at: string, updated_at: string}

local api = {}

-- a JSON reply with a status
function api.reply(status: integer, body: any)
  local res = http.response()
  res:set_status(status)
  res:write_json(body)
end

function api.fail(status: integer, message: string)
  api.reply(status, {error = message})
end

-- tell the stats process about this request (fire and forget: a missing
-- counter must not fail the request)
function api.count(route: string)
  process.send("stats", "hit", route)
end

-- the {id} path parameter as a positive integer, or nil
function api.task_id(): integer?
  local id = math.tointeger(tonumber(http.request():param("id") or ""))
  if id and id > 0 then return id end
  return nil
end

-- a database row -> the task as the API shows it
function api.task(row: table): Task
  return {id = row.id, title = row.title, description = row.description or "",
          done = row.done == 1, created_at = row.created_at, updated_at = row.updated_at}
end

-- the JSON body of a create/update: {title = non-empty string, description = string?,
-- done = boolean?}; nil and a message when it is not acceptable
function api.task_input(): (table?, string?)
  local data, err = http.request():body_json()
  if err then return nil, "invalid JSON body: " .. err:message() end
  if type(data) ~= "table" then return nil, "the body must be a JSON object" end
  local title = data.title
  if type(title) ~= "string" or title:match("^%s*$") then
    return nil, "title is required (a non-empty string)"
  end
  if data.description ~= nil and type(data.description) ~= "string" then
    return nil, "description must be a string"
  end
  if data.done ~= nil and type(data.done) ~= "boolean" then
    return nil, "done must be a boolean"
  end
  return {title = title, description = data.description or "", done = data.done == true}
end

return api
