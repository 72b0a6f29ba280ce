print("loading nothing", ...)
