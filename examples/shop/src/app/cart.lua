-- One user's cart.  Requests are messages whose payload is {reply_to = pid, ...};
-- every request gets exactly one reply on topic "reply": {ok = true, ...} or
-- {ok = false, status = HTTP status, error = text}.
local logger = require("logger")
local time = require("time")

type Line = {sku: string, name: string, price: integer, qty: integer}

local MAX_QTY = 99

local function main(user: string): string
  local log = logger:named("cart"):with({user = user})
  local lines: {[string]: Line} = {}
  local checkouts = 0
  local inbox, events = process.inbox(), process.events()

  local function view(): table
    local items, total = {}, 0
    for _, l in pairs(lines) do
      table.insert(items, {sku = l.sku, name = l.name, price = l.price, qty = l.qty})
      total = total + l.price * l.qty
    end
    table.sort(items, function(a, b) return a.sku < b.sku end)
    return {user = user, items = items, count = #items, total = total}
  end

  local handlers = {}

  function handlers.show(_req)
    return {ok = true, cart = view()}
  end

  function handlers.add(req)
    local p = catalog.get(req.sku)
    if not p then return {ok = false, status = 404, error = "unknown product " .. req.sku} end
    local line = lines[p.sku] or {sku = p.sku, name = p.name, price = p.price, qty = 0}
    if line.qty + req.qty > MAX_QTY then
      return {ok = false, status = 409, error = "at most " .. MAX_QTY .. " of one product"}
    end
    line.qty = line.qty + req.qty
    lines[p.sku] = line
    return {ok = true, cart = view()}
  end

  function handlers.remove(req)
    if not lines[req.sku] then
      return {ok = false, status = 404, error = req.sku .. " is not in the cart"}
    end
    lines[req.sku] = nil
    return {ok = true, cart = view()}
  end

  -- hands the contents over for an order and starts an empty cart
  function handlers.checkout(_req)
    local cart = view()
    if cart.count == 0 then return {ok = false, status = 409, error = "the cart is empty"} end
    checkouts = checkouts + 1
    lines = {}
    log:info("checked out", {order = user .. "-" .. checkouts, total = cart.total})
    return {ok = true, order = user .. "-" .. checkouts, cart = cart}
  end

  -- busy for a while: requests queue up meanwhile (and their callers time out)
  function handlers.pause(req)
    time.sleep(tostring(req.ms) .. "ms")
    return {ok = true}
  end

  log:info("cart opened", {pid = process.pid()})
  while true do
    local r = channel.select({inbox:case_receive(), events:case_receive()})
    if r.channel == events then
      if r.value.kind == process.event.CANCEL then
        log:debug("cart closed", {reason = r.value.reason})
        return "closed"
      end
    else
      local msg = r.value
      local req = msg:payload():data()
      local handle = handlers[msg:topic()]
      local reply
      if handle and type(req) == "table" and req.reply_to then
        reply = handle(req)
        -- a caller that gave up is gone: its reply has nowhere to go
        process.send(req.reply_to, "reply", reply)
      else
        log:warn("bad request", {topic = msg:topic()})
      end
    end
  end
end

return {main = main}
