"""The SimPy model: one module per mechanism, and the trial runner.

- :mod:`~sim.engine.drawdown` force elements following their schedules
- :mod:`~sim.engine.militia` militia attacks (Hawkes process, Ogata thinning)
- :mod:`~sim.engine.retaliation` and :mod:`~sim.engine.tension` strikes, deterrence, escalation
- :mod:`~sim.engine.readiness` ISF readiness and capability
- :mod:`~sim.engine.isis` ISIS strength, breaks and attacks
- :mod:`~sim.engine.collapse` collapse hazard and territory
- :mod:`~sim.engine.rules` and :mod:`~sim.engine.conditions` accelerate, pause, redeploy; conditions as data
- :mod:`~sim.engine.day` the day step that ties them together
- :mod:`~sim.engine.streams` one random stream per mechanism
- :mod:`~sim.engine.series` the daily series, recorded cheaply
- :mod:`~sim.engine.trial` :func:`simulate_trial`
"""

from sim.engine.result import EVENT_KINDS, SERIES, TrialResult
from sim.engine.trial import simulate_trial

__all__ = ["EVENT_KINDS", "SERIES", "TrialResult", "simulate_trial"]
