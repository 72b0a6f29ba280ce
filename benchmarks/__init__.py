"""Benchmark suite for Wippy on Python.

``python -m benchmarks`` runs every ``benchmarks/programs/*.lua`` program under
``python -m wippy lua`` and under a reference Lua (Debian's ``lua5.4`` when it
is on PATH, otherwise ``lupa.lua54`` in-process), checks that both print the
same output, and reports how much slower wippy is.

Each program prints ``time: <seconds>`` (its own ``os.clock()`` CPU time) as
its last line.  The ratio is computed from that in-program figure; the wall
time of the whole process (Python start-up included, nothing subtracted) is
reported in a second set of columns.  ``python -m benchmarks --help`` lists
the options.  See ``benchmarks/__main__.py`` for the implementation.
"""

TARGET_GEOMEAN = 6.0
TARGET_WORST = 10.0
