return {init = true, args = table.pack(...)}
