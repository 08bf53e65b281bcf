"""Commands of the command line that live in their own modules.

Each module registers its sub-parser with ``sim.cli``'s parser, with a handler that
parses, calls the library and prints, like the commands in ``sim.cli`` itself. Errors
are left to ``sim.cli``, which maps them to exit statuses (a refused experiment is a
``RunRefused``: one line, exit status 2).

- :mod:`~sim.commands.fit_attacks` ``python -m sim fit-attacks EVENTS.csv``
- :mod:`~sim.commands.explore` ``python -m sim explore FILE --vary PATH=LOW..HIGH ...``
- :mod:`~sim.commands.search` ``python -m sim search FILE --lever PATH=LOW..HIGH --goal ...``
"""
