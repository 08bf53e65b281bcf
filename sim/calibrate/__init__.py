"""Calibration and validation against the public record.

- :mod:`~sim.calibrate.checks`: the facts of ``data/calibration_facts.yaml`` that the
  replays are compared with, and how each is measured in a run;
- :mod:`~sim.calibrate.backtest`: the back test (``python -m sim backtest``): every
  validation fact scored against the replays, and a verdict on the model as a whole;
- :mod:`~sim.calibrate.fit`: the ABC-SMC fit of the structural parameters on the fitting
  facts (``python -m sim calibrate``), which writes the posterior file;
- :mod:`~sim.calibrate.hawkes`: the maximum-likelihood fit of the militia's Hawkes process
  (``python -m sim fit-attacks``);
- :mod:`~sim.calibrate.events`: event lists (CSV exports with a date column) read into days;
- :mod:`~sim.calibrate.fragment`: the fitted values written as a scenario fragment.
"""
