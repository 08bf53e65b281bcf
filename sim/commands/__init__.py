"""Commands of the command line that live in their own modules.

Each module has ``register(commands)``, which adds its sub-parser to ``sim.cli``'s
parser with a handler that parses, calls the library and prints, like the commands in
``sim.cli`` itself. Errors are left to ``sim.cli``, which maps them to exit statuses
(a refused experiment is a ``RunRefused``: one line, exit status 2).

- :mod:`~sim.commands.explore` ``python -m sim explore FILE --vary PATH=LOW..HIGH ...``
- :mod:`~sim.commands.search` ``python -m sim search FILE --lever PATH=LOW..HIGH --goal ...``
"""
