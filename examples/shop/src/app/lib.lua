-- Shared by the handlers: JSON replies, path parameters, and the request/reply
-- conversation with a user's cart process.
local shop = {}

shop.REPLY_TIMEOUT = "1s"

function shop.reply(status: integer, body: any)
  local res = http.response()
  res:set_status(status)
  res:write_json(body)
end

function shop.fail(status: integer, message: string)
  shop.reply(status, {error = message})
end

-- the {user} path parameter when it is a usable name, else nil
function shop.user(): string?
  local user = http.request():param("user") or ""
  if #user > 0 and #user <= 32 and user:match("^[%w_-]+$") then return user end
  return nil
end

-- the pid of `user`'s cart: the registered one, or a new one spawned and
-- registered as "cart.<user>" now.  When two first requests race, the second
-- registration fails and that request uses the winner's cart (its own spare
-- is cancelled).
function shop.cart_of(user: string): (string?, string?)
  local name = "cart." .. user
  local pid = process.registry.lookup(name)
  if pid then return pid end
  local new, err = process.spawn("app:cart", "app:processes", user)
  if err then return nil, "cannot open a cart: " .. tostring(err) end
  local ok = process.registry.register(name, new)
  if ok then return new end
  process.cancel(new)
  return process.registry.lookup(name)
end

-- sends `topic` with `req` to the user's cart and waits for its reply;
-- nil, status, message on failure (504 when the cart does not answer in time)
function shop.ask(user: string, topic: string, req: table): (table?, integer?, string?)
  local pid, err = shop.cart_of(user)
  if not pid then return nil, 500, err end
  req.reply_to = process.pid()
  local inbox = process.inbox()
  local sent, serr = process.send(pid, topic, req)
  if not sent then return nil, 503, "cart unavailable: " .. tostring(serr) end
  local deadline = time.after(shop.REPLY_TIMEOUT)
  while true do
    local r = channel.select({inbox:case_receive(), deadline:case_receive()})
    if r.channel == deadline then
      return nil, 504, "the cart of " .. user .. " did not answer within " .. shop.REPLY_TIMEOUT
    end
    if r.value:topic() == "reply" then
      local answer = r.value:payload():data()
      if answer.ok then return answer end
      return nil, answer.status, answer.error
    end
  end
end

return shop
