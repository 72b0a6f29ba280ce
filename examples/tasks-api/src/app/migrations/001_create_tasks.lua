-- The tasks table, created in one transaction (idempotent: IF NOT EXISTS).
local function up(db_id: string): boolean
  local db, err = sql.get(db_id)
  if err then return nil, err end
  local tx, terr = db:begin()
  if terr then return nil, terr end
  local statements = {
    [[CREATE TABLE IF NOT EXISTS tasks (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        title       TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        done        INTEGER NOT NULL DEFAULT 0,
        created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))]],
    "CREATE INDEX IF NOT EXISTS tasks_done ON tasks (done)",
  }
  for _, s in ipairs(statements) do
    local _, e = tx:execute(s)
    if e then
      tx:rollback()
      return nil, e
    end
  end
  local _, cerr = tx:commit()
  if cerr then return nil, cerr end
  db:release()
  return true
end

return {up = up}
