local function main(parent: string, n: integer): integer
  process.send(parent, "report", n)
  return n * 2
end

return {main = main}
