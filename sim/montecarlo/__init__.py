"""Monte Carlo runs of a scenario: many trials, reproducible, in parallel, summarised and saved.

- :mod:`~sim.montecarlo.seeding` what makes trial ``i`` the same trial on any worker
- :mod:`~sim.montecarlo.worker` a chunk of trials, returned as compact arrays
- :mod:`~sim.montecarlo.executors` serial, local processes, Dask
- :mod:`~sim.montecarlo.runner` :func:`run` and :func:`compare`
- :mod:`~sim.montecarlo.results` :class:`Results` and :class:`Comparison`
- :mod:`~sim.montecarlo.stats` confidence intervals, Wilson, Kaplan-Meier, paired differences
- :mod:`~sim.montecarlo.events` event logs as a DataFrame
- :mod:`~sim.montecarlo.store` results folders (atomic save, checked reading)
- :mod:`~sim.montecarlo.ledger` checkpoints: finished work units and failures, kept as they finish
- :mod:`~sim.montecarlo.preflight` what is refused before the first trial

Example::

    from sim.montecarlo import run
    results = run("scenarios/fast_exit.yaml", trials=500)
    results.summary()
    results.save("results/fast_exit")

Names are imported on first use, so that a worker that only needs
:mod:`~sim.montecarlo.worker` does not import pandas and scipy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim._lazy import exports

_WHERE = {
    "Comparison": "sim.montecarlo.results",
    "Results": "sim.montecarlo.results",
    "Ledger": "sim.montecarlo.ledger",
    "RunRefused": "sim.montecarlo.preflight",
    "TooManyFailures": "sim.montecarlo.runner",
    "TrialError": "sim.montecarlo.worker",
    "compare": "sim.montecarlo.runner",
    "load_comparison": "sim.montecarlo.results",
    "load_results": "sim.montecarlo.results",
    "run": "sim.montecarlo.runner",
}

__all__ = [
    "Comparison",
    "Ledger",
    "Results",
    "RunRefused",
    "TooManyFailures",
    "TrialError",
    "compare",
    "load_comparison",
    "load_results",
    "run",
]

if TYPE_CHECKING:
    from sim.montecarlo.ledger import Ledger
    from sim.montecarlo.preflight import RunRefused
    from sim.montecarlo.results import Comparison, Results, load_comparison, load_results
    from sim.montecarlo.runner import TooManyFailures, compare, run
    from sim.montecarlo.worker import TrialError


__getattr__, __dir__ = exports(__name__, _WHERE, globals())
