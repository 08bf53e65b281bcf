"""Calibration and validation against the public record.

- :mod:`sim.calibrate.checks`: the facts of ``data/calibration_facts.yaml`` that the
  replays are compared with, and how each is measured in a run;
- :mod:`sim.calibrate.backtest`: the back test (``python -m sim backtest``): every
  validation fact scored against the replays, and a verdict on the model as a whole.

This layer sits above the Monte Carlo runner and below the command line.
"""
