"""Monte Carlo simulation of military withdrawal timelines.

Load a scenario, run it, read the results::

    import sim

    scenario = sim.load_scenario("scenarios/fast_exit.yaml")
    results = sim.run(scenario, trials=200)
    results.summary()                  # pandas DataFrame: every outcome with its 95% CI
    sim.plots.plot_dashboard(results)  # matplotlib Figure

``sim.compare([...])`` runs several scenarios with common random numbers and reports
paired differences; ``sim.explore(scenario, vary=[...])`` runs a scenario over a design
of levers and ``sim.search`` finds the first lever value that meets goals (see
:mod:`sim.explore`); ``sim.simulate_trial`` runs a single trial of the SimPy engine.

Names are imported on first use, so that ``import sim`` stays quick in worker
processes and in ``python -m sim validate``, which need neither pandas nor matplotlib.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from sim._lazy import exports

try:
    __version__ = version("sim")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

_WHERE = {
    "Scenario": "sim.scenario.schema",
    "ScenarioError": "sim.scenario.loader",
    "load_scenario": "sim.scenario.loader",
    "scenario_from_dict": "sim.scenario.loader",
    "scenario_from_text": "sim.scenario.loader",
    "TrialResult": "sim.engine",
    "simulate_trial": "sim.engine",
    "Results": "sim.montecarlo",
    "Comparison": "sim.montecarlo",
    "TrialError": "sim.montecarlo",
    "run": "sim.montecarlo",
    "compare": "sim.montecarlo",
    "load_comparison": "sim.montecarlo",
    "load_results": "sim.montecarlo",
    "nested": "sim.montecarlo.nested",
    "search": "sim.explore",
    "load_exploration": "sim.explore",
}

__all__ = [
    "Comparison",
    "Results",
    "Scenario",
    "ScenarioError",
    "TrialError",
    "TrialResult",
    "__version__",
    "compare",
    "load_comparison",
    "explore",
    "load_exploration",
    "load_results",
    "load_scenario",
    "nested",
    "plots",
    "run",
    "scenario_from_dict",
    "scenario_from_text",
    "search",
    "simulate_trial",
]

if TYPE_CHECKING:
    from sim import explore, plots
    from sim.engine import TrialResult, simulate_trial
    from sim.explore import load_exploration, search
    from sim.montecarlo import Comparison, Results, TrialError, compare, load_comparison, load_results, run
    from sim.montecarlo.nested import nested
    from sim.scenario.loader import ScenarioError, load_scenario, scenario_from_dict, scenario_from_text
    from sim.scenario.schema import Scenario


# sim.plots and sim.explore are exported as packages (sim.explore is callable: it runs an experiment)
__getattr__, __dir__ = exports(__name__, _WHERE, globals(), subpackages=("plots", "explore"))
