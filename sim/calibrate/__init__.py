"""Calibration: fitting the model's processes to the record.

- :mod:`~sim.calibrate.hawkes` the maximum-likelihood fit of the militia's Hawkes process
- :mod:`~sim.calibrate.events` event lists (CSV exports with a date column) read into days
"""
