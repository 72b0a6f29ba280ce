"""The Lua compiler: typed-dialect pass, parser and code generation to Python ``ast``."""
