"""The kinds of design, in a module of their own.

So that the command line can list them without importing SciPy or the engine (as
:mod:`sim.explore.designs` does).
"""

DESIGNS = ("grid", "lhs", "sobol", "morris")
"""The kinds of design :func:`~sim.explore.designs.make_design` makes."""
