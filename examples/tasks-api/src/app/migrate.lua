-- Runs the pending migrations once and returns (the service is then done).
-- A migration is a function.lua entry with meta.type = "migration" and
-- meta.target_db; they run in (meta.timestamp, id) order, each through
-- funcs.call with its database ID, and are recorded in schema_migrations.
local LEDGER = [[CREATE TABLE IF NOT EXISTS schema_migrations (
  id TEXT PRIMARY KEY,
  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))]]

local function before(a, b): boolean
  local ta, tb = a.meta.timestamp or "", b.meta.timestamp or ""
  if ta ~= tb then return ta < tb end
  return a.id < b.id
end

local function main(): integer
  local found, err = registry.find({["meta.type"] = "migration"})
  if err then error(err) end
  table.sort(found, before)
  local applied = 0
  for _, m in ipairs(found) do
    local target = m.meta.target_db
    local db, derr = sql.get(target)
    if derr then error("migration " .. m.id .. ": database " .. tostring(target) .. ": " .. tostring(derr)) end
    local _, lerr = db:execute(LEDGER)
    if lerr then error(lerr) end
    local rows, qerr = db:query("SELECT id FROM schema_migrations WHERE id = ?", {m.id})
    if qerr then error(qerr) end
    if #rows == 0 then
      local _, cerr = funcs.call(m.id, target)
      if cerr then error("migration " .. m.id .. " failed: " .. tostring(cerr)) end
      local _, rerr = db:execute("INSERT OR IGNORE INTO schema_migrations (id) VALUES (?)", {m.id})
      if rerr then error(rerr) end
      applied = applied + 1
      print("applied migration " .. m.id)
    end
    db:release()
  end
  print(string.format("migrations: %d found, %d applied", #found, applied))
  return 0
end

return {main = main}
