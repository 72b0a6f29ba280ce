local text = {}

function text.title(s: string): string
  return (s:gsub("^%l", string.upper))
end

return text
