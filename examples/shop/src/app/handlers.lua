-- The /api handlers.  Cart state lives in the cart processes; orders in the
-- `orders` memory store.
local logger = require("logger")
local time = require("time")

local log = logger:named("shop")

-- GET /api/products
local function products()
  shop.reply(200, {products = catalog.list()})
end

-- GET /api/carts/{user}
local function show()
  local user = shop.user()
  if not user then return shop.fail(400, "bad user name") end
  local answer, status, err = shop.ask(user, "show", {})
  if not answer then return shop.fail(status, err) end
  shop.reply(200, answer.cart)
end

-- POST /api/carts/{user}/items  {"sku": "...", "qty": n}
local function add()
  local user = shop.user()
  if not user then return shop.fail(400, "bad user name") end
  local body, jerr = http.request():body_json()
  if jerr or type(body) ~= "table" then
    return shop.fail(400, "the body must be a JSON object {sku, qty}")
  end
  local qty = body.qty == nil and 1 or math.tointeger(body.qty)
  if type(body.sku) ~= "string" or not qty or qty < 1 then
    return shop.fail(400, "sku must be a string and qty a positive integer")
  end
  local answer, status, err = shop.ask(user, "add", {sku = body.sku, qty = qty})
  if not answer then return shop.fail(status, err) end
  shop.reply(200, answer.cart)
end

-- DELETE /api/carts/{user}/items/{sku}
local function remove()
  local user = shop.user()
  if not user then return shop.fail(400, "bad user name") end
  local sku = http.request():param("sku")
  local answer, status, err = shop.ask(user, "remove", {sku = sku})
  if not answer then return shop.fail(status, err) end
  shop.reply(200, answer.cart)
end

-- POST /api/carts/{user}/checkout: 202 at once; the payment runs in a coroutine
-- that outlives this call
local function checkout()
  local user = shop.user()
  if not user then return shop.fail(400, "bad user name") end
  local answer, status, err = shop.ask(user, "checkout", {})
  if not answer then return shop.fail(status, err) end

  local orders = store.get("app:orders")
  local order = {id = answer.order, user = user, items = answer.cart.items,
                 total = answer.cart.total, status = "processing"}
  orders:set(order.id, order)

  coroutine.spawn(function()
    log:info("charging", {order = order.id, total = order.total})
    time.sleep("300ms")                  -- the payment provider takes its time
    order.status = "paid"
    order.paid_at = time.now():format_rfc3339()
    local ok, serr = orders:set(order.id, order)
    if not ok then
      log:error("cannot record the payment", {order = order.id, error = tostring(serr)})
      return
    end
    log:info("order paid", {order = order.id, total = order.total})
  end)

  http.response():set_header("Location", "/api/orders/" .. order.id)
  shop.reply(202, {order = order.id, status = order.status, total = order.total})
end

-- POST /api/carts/{user}/pause  {"ms": n}: keeps the cart process busy (try a
-- request meanwhile: 504).  Answers 202 without waiting for the cart.
local function pause()
  local user = shop.user()
  if not user then return shop.fail(400, "bad user name") end
  local body = http.request():body_json()
  local ms = type(body) == "table" and math.tointeger(body.ms)
  if not ms or ms < 1 or ms > 10000 then
    return shop.fail(400, "ms must be an integer from 1 to 10000")
  end
  local pid, err = shop.cart_of(user)
  if not pid then return shop.fail(500, err) end
  process.send(pid, "pause", {ms = ms, reply_to = process.pid()})
  shop.reply(202, {paused_ms = ms})
end

-- GET /api/orders/{id}
local function order()
  local id = http.request():param("id")
  local found, err = store.get("app:orders"):get(id)
  if err then
    if errors.is(err, errors.NOT_FOUND) then return shop.fail(404, "no order " .. id) end
    return shop.fail(500, tostring(err))
  end
  shop.reply(200, found)
end

return {products = products, show = show, add = add, remove = remove,
        checkout = checkout, pause = pause, order = order}
