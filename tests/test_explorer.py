"""The notebook explorer: the scenario its controls describe, and a run driven from code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sim.report.explorer import leaving_elements, shifted
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def plan():
    return load_scenario(ROOT / "scenarios" / "phased_2024.yaml")


def test_moving_the_exit_moves_every_calendar_waypoint_by_whole_months(plan):
    later = shifted(plan, months=6)
    for key, element in plan.forces.items():
        for before, after in zip(element.schedule, later.forces[key].schedule, strict=True):
            assert after.at - before.at == dt.timedelta(days=183)
            assert (after.troops, after.ramp_days) == (before.troops, before.ramp_days)


def test_a_residual_force_sets_the_last_level_of_one_element_only(plan):
    assert "us_erbil" in leaving_elements(plan)
    assert "us_syria" not in leaving_elements(plan)
    kept = shifted(plan, residual={"us_erbil": 1500})
    assert kept.forces["us_erbil"].schedule[-1].troops == 1500
    assert kept.forces["us_al_asad"].schedule == plan.forces["us_al_asad"].schedule


@pytest.mark.slow
def test_the_explorer_reruns_when_driven_from_code(plan):
    pytest.importorskip("ipywidgets")
    from sim.report.explorer import Explorer

    explorer = Explorer(plan, trials=6, jobs=1)
    assert explorer.results is explorer.plan
    kept = explorer.set(element="us_erbil", residual=1500)
    assert kept is explorer.results
    assert kept.series("troops:us_erbil")[0, -1] == 1500
    assert explorer.residual.value == 1500
    assert "changed" in explorer.table.value
    explorer.months.value = 3  # as a hand on the slider would
    assert explorer.results is not kept
    assert explorer.changed_scenario().forces["us_erbil"].schedule[-1].troops == 1500


@pytest.mark.slow
def test_a_change_gives_the_results_of_run_of_the_changed_scenario_bit_for_bit(plan):
    pytest.importorskip("ipywidgets")
    from sim.montecarlo.runner import run
    from sim.report.explorer import Explorer

    explorer = Explorer(plan, trials=5, jobs=1, preview=2)
    later = explorer.set(months=4)
    assert "preview" in explorer.timings  # the first two trials were drawn before the rest ran
    alone = run(explorer.changed_scenario(), trials=5, jobs=1, progress=False, keep_events=False)
    assert later.n_trials == 5
    assert later.trials.equals(alone.trials)
    for name in ("troops", "capability", "troops:us_erbil"):
        assert (later.series(name) == alone.series(name)).all()


@pytest.mark.slow
def test_a_setting_already_seen_is_shown_again_without_running(plan, monkeypatch):
    pytest.importorskip("ipywidgets")
    from sim.report import explorer as module

    explorer = module.Explorer(plan, trials=3, jobs=1, preview=0)
    later = explorer.set(months=2)
    monkeypatch.setattr(module, "run_with", lambda *a, **k: pytest.fail("ran again"))
    assert explorer.set(months=0) is explorer.plan
    assert explorer.set(months=2) is later
    assert "shown again" in explorer.status.value
