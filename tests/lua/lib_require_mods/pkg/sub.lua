local parent = require("pkg")
return {sub = ..., parent_init = parent.init}
