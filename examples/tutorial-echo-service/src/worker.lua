-- Gets its work as arguments, answers the client directly and exits.
local function main(reply_to: string, text: string, seq: integer): integer
  process.send(reply_to, "echoed", {
    text = string.upper(text),
    worker = process.pid(),
    seq = seq,
  })
  return 0
end

return {main = main}
