"""The Dask backend computes exactly what the serial one does."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from montecarlo_support import small_scenario

from sim.montecarlo import run


@pytest.mark.slow
def test_dask_backend_gives_the_same_trials_as_a_serial_run():
    distributed = pytest.importorskip("distributed")
    scenario = small_scenario()
    serial = run(scenario, trials=12, jobs=1, progress=False)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = run(scenario, trials=12, backend="dask", client=client, progress=False)
    assert on_dask.timings["backend"] == "dask"
    pd.testing.assert_frame_equal(on_dask.trials, serial.trials)
    np.testing.assert_array_equal(on_dask.series("isis_strength"), serial.series("isis_strength"))
    pd.testing.assert_frame_equal(on_dask.events, serial.events)


def test_dask_backend_without_dask_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes "import distributed" fail
    with pytest.raises(ImportError, match="pip install"):
        run(small_scenario(), trials=2, backend="dask", progress=False)
