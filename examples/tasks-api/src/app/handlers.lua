-- The /api/tasks handlers.  Every database error comes back as a value and
-- becomes a 500 naming it; every parameter is bound, never spliced into SQL.
local COLUMNS = "id, title, description, done, created_at, updated_at"
local CACHE_TTL = 60         -- seconds

local function db_or_fail()
  local db, err = sql.get("app:db")
  if err then api.fail(500, "database: " .. err:message()) end
  return db
end

local function cache_key(id: integer): string
  return "task:" .. id
end

local function drop_cached(id: integer)
  local cache = store.get("app:cache")
  if cache then cache:delete(cache_key(id)) end
end

local function load_task(db, id: integer)
  local rows, err = db:query("SELECT " .. COLUMNS .. " FROM tasks WHERE id = ?", {id})
  if err then return nil, err end
  if #rows == 0 then return nil end
  return api.task(rows[1])
end

-- GET /api/tasks[?done=true|false]
local function list()
  api.count("list")
  local db = db_or_fail()
  if not db then return end
  local q = "SELECT " .. COLUMNS .. " FROM tasks"
  local params = {}
  local done = http.request():query("done")
  if done == "true" or done == "false" then
    q = q .. " WHERE done = ?"
    params[1] = done == "true" and 1 or 0
  end
  local rows, err = db:query(q .. " ORDER BY id", params)
  if err then return api.fail(500, "database: " .. err:message()) end
  local tasks = {}
  for i, row in ipairs(rows) do tasks[i] = api.task(row) end
  api.reply(200, {tasks = tasks, count = #tasks})
end

-- POST /api/tasks
local function create()
  api.count("create")
  local input, problem = api.task_input()
  if not input then return api.fail(400, problem) end
  local db = db_or_fail()
  if not db then return end
  local r, err = db:execute("INSERT INTO tasks (title, description, done) VALUES (?, ?, ?)",
                            {input.title, input.description, input.done and 1 or 0})
  if err then return api.fail(500, "database: " .. err:message()) end
  local task, err2 = load_task(db, r.last_insert_id)
  if err2 or not task then
    return api.fail(500, "database: " .. (err2 and err2:message() or "task vanished"))
  end
  http.response():set_header("Location", "/api/tasks/" .. task.id)
  api.reply(201, task)
end

-- GET /api/tasks/{id}: from the cache when it is there
local function get()
  api.count("get")
  local id = api.task_id()
  if not id then return api.fail(404, "task not found") end
  local res = http.response()
  local cache = store.get("app:cache")
  local cached = cache and cache:get(cache_key(id))
  if cached then
    res:set_header("X-Cache", "HIT")
    return api.reply(200, cached)
  end
  local db = db_or_fail()
  if not db then return end
  local task, err = load_task(db, id)
  if err then return api.fail(500, "database: " .. err:message()) end
  if not task then return api.fail(404, "task not found") end
  if cache then cache:set(cache_key(id), task, CACHE_TTL) end
  res:set_header("X-Cache", "MISS")
  api.reply(200, task)
end

-- PUT /api/tasks/{id}: replaces title, description and done
local function update()
  api.count("update")
  local id = api.task_id()
  if not id then return api.fail(404, "task not found") end
  local input, problem = api.task_input()
  if not input then return api.fail(400, problem) end
  local db = db_or_fail()
  if not db then return end
  local r, err = db:execute([[UPDATE tasks SET title = ?, description = ?, done = ?,
      updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?]],
      {input.title, input.description, input.done and 1 or 0, id})
  if err then return api.fail(500, "database: " .. err:message()) end
  drop_cached(id)
  if r.rows_affected == 0 then return api.fail(404, "task not found") end
  local task, err2 = load_task(db, id)
  if err2 or not task then
    return api.fail(500, "database: " .. (err2 and err2:message() or "task vanished"))
  end
  api.reply(200, task)
end

-- DELETE /api/tasks/{id}
local function delete()
  api.count("delete")
  local id = api.task_id()
  if not id then return api.fail(404, "task not found") end
  local db = db_or_fail()
  if not db then return end
  local r, err = db:execute("DELETE FROM tasks WHERE id = ?", {id})
  if err then return api.fail(500, "database: " .. err:message()) end
  drop_cached(id)
  if r.rows_affected == 0 then return api.fail(404, "task not found") end
  http.response():set_status(204)
end

-- GET /api/stats: a request-reply with the stats process (through stats_ask,
-- a short process: a handler has no inbox of its own)
local function stats()
  api.count("stats")
  local counts, err = process.exec("app:stats_ask", "app:processes")
  if err then return api.fail(503, "stats: " .. tostring(err)) end
  api.reply(200, counts)
end

return {list = list, create = create, get = get, update = update, delete = delete,
        stats = stats}
