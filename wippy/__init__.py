"""Wippy on Python: the application layer (CLI, projects, registry, modules)."""

__version__ = "0.1.0"
