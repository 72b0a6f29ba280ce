"""Nesting limits shared by the dialect pass and the parser.

Lua refuses programs nested deeper than 200 levels (LUAI_MAXCCALLS) with
"too many C levels"; the front end enforces the same bound, which keeps its
Python recursion finite.  ``recursion_headroom`` makes sure Python's own
recursion limit leaves room for those 200 levels (several Python frames each)
wherever the caller already stands; a RecursionError is still caught by the
callers as a last resort.
"""

import contextlib
import sys

__all__ = ["MAX_LEVELS", "recursion_headroom"]

MAX_LEVELS = 200            # LUAI_MAXCCALLS
_HEADROOM = 6000            # Python frames: > MAX_LEVELS x frames per level


@contextlib.contextmanager
def recursion_headroom():
    old = sys.getrecursionlimit()
    # frames already on the stack (cheap estimate, bounded by the old limit)
    frame, depth = sys._getframe(), 0
    while frame is not None and depth < old:
        frame, depth = frame.f_back, depth + 1
    new = depth + _HEADROOM
    if new > old:
        sys.setrecursionlimit(new)
    try:
        yield
    finally:
        if new > old:
            sys.setrecursionlimit(old)
