"""The back test passes the shipped model and rejects deliberately wrong ones.

A back test that passes anything is worthless. Each wrong setting below changes one
mechanism against the evidence, and ``python -m sim backtest`` must reject the model
as a whole (exit status 1) on the validation facts alone. Some wrong settings the
validation facts cannot see, because the facts that would show them are kept for the
fit; docs/calibration.md ("What the back test can and cannot tell") lists them, and
the calibration fit, not the back test, rules them out.
"""

from __future__ import annotations

import pytest

from sim.calibrate.backtest import WRONG_SETTINGS, run_backtest
from sim.cli import main


@pytest.mark.slow
def test_the_shipped_model_is_not_rejected():
    report = run_backtest(cached=True)
    assert report.counted >= 15, report.counted
    assert not report.rejected, (report.p_value, report.p_surprise, report.p_worst)


WRONG = [(replay, setting) for replay, setting, _ in WRONG_SETTINGS]


@pytest.mark.slow
@pytest.mark.parametrize(("replay", "setting"), WRONG, ids=[s for _, s in WRONG])
def test_backtest_rejects_a_deliberately_wrong_model(replay, setting, capsys):
    assert main(["backtest", "--only", replay, "--set", setting, "--jobs", "2"]) == 1
    assert "the model is REJECTED" in capsys.readouterr().out


def test_backtest_refuses_an_unknown_replay(capsys):
    assert main(["backtest", "--only", "replay_1066"]) == 2
    assert "replay_1066" in capsys.readouterr().err
