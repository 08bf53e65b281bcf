"""Commands of the command line that live in their own module: each registers its parser
with :func:`sim.cli` and handles its arguments; :mod:`sim.cli` only lists them.

- :mod:`~sim.commands.fit_attacks` ``python -m sim fit-attacks EVENTS.csv``
"""
