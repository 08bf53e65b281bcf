"""Exploring timelines: levers, designs, experiments, sensitivity, discovery and search.

- :mod:`~sim.explore.inputs` a scenario's uncertain inputs as SciPy frozen distributions
- :mod:`~sim.explore.levers` what an experiment varies (dotted paths, dates, schedule shorthands)
- :mod:`~sim.explore.designs` grid, Latin hypercube, Sobol (Saltelli) and Morris designs
- :mod:`~sim.explore.experiment` :func:`explore` a scenario over a design with common random
  numbers; :func:`evaluate` a Python function over the same designs
- :mod:`~sim.explore.sensitivity` Sobol indices with bootstrap intervals, Morris screening
- :mod:`~sim.explore.discovery` PRIM boxes and CART trees of the conditions of a bad outcome
- :mod:`~sim.explore.bisection` the lever value that meets goals with stated confidence
- :mod:`~sim.explore.pareto` the points no other point beats on several objectives
- :mod:`~sim.explore.optimize` a Pareto front searched by Optuna's NSGA-II

Example::

    import sim
    sweep = sim.explore("scenarios/fast_exit.yaml", vary=["exit_start=2024-06-01..2026-12-01/1m"],
                        trials=200)
    sweep.outcome("collapse_within_24m")

Names are imported on first use. The package itself can be called: ``sim.explore(...)``
is :func:`~sim.explore.experiment.explore` (a package and a function cannot share the
name ``sim.explore`` otherwise, since importing a submodule sets the attribute).
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from sim._lazy import exports

_WHERE = {
    "Design": "sim.explore.designs",
    "Exploration": "sim.explore.experiment",
    "ExploreError": "sim.explore.levers",
    "Lever": "sim.explore.levers",
    "SearchResult": "sim.explore.bisection",
    "cart": "sim.explore.discovery",
    "cases": "sim.explore.discovery",
    "evaluate": "sim.explore.experiment",
    "explore": "sim.explore.experiment",
    "load_exploration": "sim.explore.experiment",
    "make_design": "sim.explore.designs",
    "make_levers": "sim.explore.levers",
    "morris": "sim.explore.sensitivity",
    "optimize": "sim.explore.optimize",
    "pareto": "sim.explore.pareto",
    "prim": "sim.explore.discovery",
    "search": "sim.explore.bisection",
    "sobol": "sim.explore.sensitivity",
    "uncertainties": "sim.explore.inputs",
}

__all__ = [
    "Design",
    "Exploration",
    "ExploreError",
    "Lever",
    "SearchResult",
    "cart",
    "cases",
    "evaluate",
    "explore",
    "load_exploration",
    "make_design",
    "make_levers",
    "morris",
    "optimize",
    "pareto",
    "prim",
    "search",
    "sobol",
    "uncertainties",
]

if TYPE_CHECKING:
    from sim.explore.bisection import SearchResult, search
    from sim.explore.designs import Design, make_design
    from sim.explore.discovery import cart, cases, prim
    from sim.explore.experiment import Exploration, evaluate, explore, load_exploration
    from sim.explore.inputs import uncertainties
    from sim.explore.levers import ExploreError, Lever, make_levers
    from sim.explore.optimize import optimize
    from sim.explore.pareto import pareto
    from sim.explore.sensitivity import morris, sobol


__getattr__, __dir__ = exports(__name__, _WHERE, globals())


class _CallablePackage(types.ModuleType):
    """The package, callable as :func:`~sim.explore.experiment.explore`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from sim.explore.experiment import explore

        return explore(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
