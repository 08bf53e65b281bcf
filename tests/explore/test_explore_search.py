"""search: the first lever value meeting goals, found by bisection with common random numbers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from explore_support import ThresholdTrial, exit_scenario

from sim.explore import ExploreError, search


def test_search_finds_an_exit_date_known_by_construction_within_one_step():
    safe = dt.date(2024, 3, 20)
    found = search(
        exit_scenario(),
        "forces.us_asad.schedule.0.at=2024-01-10..2024-04-30/5",
        "collapse_within_24m <= 0.05",
        trials=100,
        jobs=1,
        simulate=ThresholdTrial(safe),
    )
    assert found.status == "found"
    assert safe <= found.answer_shown < safe + dt.timedelta(days=5)
    # bisection: far fewer probes than the 23 values searched
    assert len(found.probes) <= 7
    assert "2024-03-2" in found.describe()


def test_search_adds_trials_only_where_the_answer_is_close_to_the_threshold():
    # A risk of 0.05 against a goal of 0.05: no trial count can tell, so probes before the
    # safe date grow to the cap; probes after it (no risk at all) decide at once.
    found = search(
        exit_scenario(),
        "forces.us_asad.schedule.0.at=2024-01-10..2024-04-30/10",
        "collapse_within_24m <= 0.05",
        trials=100,
        max_trials=400,
        jobs=1,
        simulate=ThresholdTrial(dt.date(2024, 3, 1), risk=0.05),
    )
    probes = found.probes
    assert set(probes.loc[probes["decision"] == "met", "trials"]) == {100}
    assert (probes.loc[probes["decision"] != "met", "trials"] == 400).all()
    assert (probes["decision"] == "undecided").any()
    assert found.answer_shown >= dt.date(2024, 3, 1)


def test_search_reports_no_answer_when_the_last_value_fails():
    found = search(
        exit_scenario(),
        "forces.us_asad.schedule.0.at=2024-01-10..2024-02-20/10",
        "collapse_within_24m <= 0.05",
        trials=100,
        jobs=1,
        simulate=ThresholdTrial(dt.date(2024, 3, 20)),
    )
    assert found.answer is None
    assert found.status == "none"
    assert "no value" in found.describe()


@pytest.mark.slow
def test_search_gives_the_same_answer_and_probes_with_one_or_two_workers():
    options = dict(
        lever="forces.us_asad.schedule.0.at=2024-01-10..2024-04-30/5",
        goal="collapse_within_24m <= 0.05",
        trials=64,
        simulate=ThresholdTrial(dt.date(2024, 2, 25)),
    )
    one = search(exit_scenario(), jobs=1, **options)
    two = search(exit_scenario(), jobs=2, **options)
    assert one.answer == two.answer
    assert one.probes.equals(two.probes)


@pytest.mark.parametrize(
    ("goal", "message"),
    [
        ("collapse_within_24m = 0.05", "expected OUTCOME OP VALUE"),
        ("collapse_within_24m <= lots", "expected OUTCOME OP VALUE"),
    ],
)
def test_search_refuses_a_malformed_goal_with_one_clear_message(goal, message):
    with pytest.raises(ExploreError, match=message):
        search(exit_scenario(), "forces.us_asad.schedule.0.at=2024-01-10..2024-02-20/10", goal, jobs=1)


class SafeUntil(ThresholdTrial):
    """The reverse of ThresholdTrial: no risk before ``safe_from``, 0.3 from then on, so the
    goals hold at early dates and not at late ones."""

    def __call__(self, scenario, seed):
        result = super().__call__(scenario, seed)
        day = scenario.day_of(scenario.forces["us_asad"].schedule[0].at)
        late = day >= (self.safe_from - scenario.start).days
        result.outcomes["collapse_within_24m"] = float(late and np.random.default_rng(seed).random() < 0.3)
        return result


def test_search_says_when_the_goals_hold_at_the_start_but_not_at_the_end():
    options = dict(
        lever="forces.us_asad.schedule.0.at=2024-01-10..2024-04-30/5",
        goal="collapse_within_24m <= 0.05",
        trials=100,
        jobs=1,
        simulate=SafeUntil(dt.date(2024, 3, 20)),
    )
    found = search(exit_scenario(), **options)
    assert found.status == "reversed"
    assert found.answer is None
    assert "does not stay met" in found.describe()
    latest = search(exit_scenario(), prefer="high", **options)
    assert latest.status == "found"
    assert dt.date(2024, 3, 15) <= latest.answer_shown < dt.date(2024, 3, 20)


class TradeOff(ThresholdTrial):
    """Risk falls as the exit comes later (0.5 at day 10 to 0 at day 110): speed against risk."""

    def __call__(self, scenario, seed):
        result = super().__call__(scenario, seed)
        day = scenario.day_of(scenario.forces["us_asad"].schedule[0].at)
        risk = float(np.clip(0.5 * (110 - day) / 100, 0, 0.5))
        result.outcomes["collapse_within_24m"] = float(np.random.default_rng(seed).random() < risk)
        return result


@pytest.mark.slow
def test_optimize_finds_a_front_of_speed_against_risk_with_common_random_numbers():
    pytest.importorskip("optuna")
    from sim.explore import optimize, pareto

    objectives = {"forces.us_asad.schedule.0.at": "min", "collapse_within_24m": "min"}
    options = dict(
        vary=["forces.us_asad.schedule.0.at=2024-01-10..2024-04-30"],
        objectives=objectives,
        evaluations=12,
        trials=50,
        jobs=1,
        simulate=TradeOff(dt.date(2024, 1, 1)),
    )
    found = optimize(exit_scenario(), **options)
    assert len(found.points) == 12
    assert found.design.kind == "optuna"
    front = pareto(found, objectives)
    risks = front["collapse_within_24m"].to_numpy()
    assert len(front) >= 2
    assert (np.diff(risks) <= 0).all()
    again = optimize(exit_scenario(), **options)
    pd.testing.assert_frame_equal(again.points, found.points)  # the same seed, the same search
