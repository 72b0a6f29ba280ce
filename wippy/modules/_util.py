"""Shared helpers of the data modules: module errors and argument checks."""

from wippy.lerrors import new_error, INVALID, INTERNAL, NOT_FOUND
from wippy.runtime.values import lua_type

__all__ = ["fail", "invalid", "internal", "not_found", "lua_type"]


def fail(kind, message):
    """The ``nil, err`` pair of a failed call (retryable false)."""
    return None, new_error(kind, message, False, stack=True)


def invalid(message):
    return fail(INVALID, message)


def internal(message):
    return fail(INTERNAL, message)


def not_found(message):
    return fail(NOT_FOUND, message)
