"""The registries of weapons, daily series and outcomes: each name is defined once, and
what is derived from them (the recorder's row groups, the schema's weapon sections, a
trial's outcomes) agrees with them."""

from __future__ import annotations

import numpy as np
import pytest
from engine_scenarios import poisson_militia

from sim.engine import reference, simulate_trial
from sim.engine.outcomes import FAMILIES, OUTCOME_BY_NAME, OUTCOMES, describe, outcome_kind_unit
from sim.engine.result import (
    EVENT_DTYPE,
    KIND,
    SERIES,
    SERIES_TABLE,
    WEAPONS,
    describe_series,
    series_label,
)
from sim.engine.series import COUNTS, DAILY, TROOP_TOTALS, Recorder
from sim.scenario.schema import AirDefence, WeaponCasualties, WeaponMix


@pytest.mark.parametrize("section", [WeaponMix, AirDefence, WeaponCasualties])
def test_every_weapon_section_of_the_schema_names_the_registry_weapons_in_order(section):
    assert tuple(section.model_fields) == WEAPONS


def test_names_are_unique_in_each_registry():
    assert len(set(SERIES)) == len(SERIES)
    assert len(OUTCOME_BY_NAME) == len(OUTCOMES)
    assert len({family.prefix for family in FAMILIES}) == len(FAMILIES)


def test_every_series_has_a_unit_a_meaning_and_a_label_and_counts_say_what_an_event_adds():
    for series in SERIES_TABLE:
        assert series.unit, series.name
        assert series.description.endswith("."), series.name
        assert series.label, series.name
        assert series.recorded in ("troops", "daily", "count"), series.name
        assert (series.counted is not None) == (series.recorded == "count"), series.name
        if series.counted:
            assert series.counted[0] in KIND
            assert series.counted[1] in (None, *EVENT_DTYPE.names)
        assert describe_series(series.name) == (series.unit, series.description)
        assert series_label(series.name) == series.label


def test_the_recorders_groups_partition_the_registry_in_row_order():
    assert TROOP_TOTALS + DAILY + COUNTS == SERIES


def test_each_count_counts_its_events_and_what_they_carry_by_day():
    recorder = Recorder(days=2, n_elements=0)
    recorder.troops(0, (0.0,) * len(TROOP_TOTALS))
    recorder.daily.extend([0.0] * (len(DAILY) * 3))
    events = np.zeros(4, dtype=EVENT_DTYPE)
    events["day"] = [0.5, 1.0, 1.5, 2.0]
    events["kind"] = [KIND["attack"], KIND["isis_attack"], KIND["strike"], KIND["attack"]]
    events["wounded"] = [2, 0, 0, 1]
    events["killed"] = [1, 5, 0, 0]  # the ISIS attack's killed are civilians
    events["value"] = [0.0, 3.0, 0.0, 0.0]  # and its value the ISF members killed
    counts = dict(zip(COUNTS, recorder.assemble(events)[-len(COUNTS) :].tolist(), strict=True))
    assert counts == {
        "attacks": [0.0, 1.0, 2.0],
        "wounded": [0.0, 2.0, 3.0],
        "killed": [0.0, 1.0, 1.0],
        "strikes": [0.0, 0.0, 1.0],
        "isis_attacks": [0.0, 1.0, 1.0],
        "civilian_deaths": [0.0, 5.0, 5.0],
        "isf_deaths": [0.0, 3.0, 3.0],
    }


def test_a_trial_reports_every_registry_outcome_in_registry_order_then_the_families():
    scenario = poisson_militia()
    outcomes = simulate_trial(scenario, 3).outcomes
    fixed = [name for name in outcomes if ":" not in name]
    assert fixed == [outcome.name for outcome in OUTCOMES]
    for name in outcomes:
        assert describe(name).name == name  # every reported name is described
    assert {name.partition(":")[0] for name in outcomes if ":" in name} <= {f.prefix for f in FAMILIES}
    assert sum(outcomes[f"attacks_by:{w}"] for w in WEAPONS) == outcomes["militia_attacks"]
    assert sum(outcomes[f"attacks_at:{key}"] for key in scenario.bases) == outcomes["militia_attacks"]


def test_outcomes_read_from_series_agree_with_the_series():
    result = simulate_trial(poisson_militia(), 5)
    out = result.outcomes
    assert out["militia_attacks"] == result.series_of("attacks")[-1] == len(result.events_of("attack")) > 0
    assert out["strikes"] == result.series_of("strikes")[-1]
    assert out["peak_isis_strength"] == result.series_of("isis_strength").max()
    assert out["min_capability"] == result.series_of("capability").min()
    assert out["troop_days"] == result.series_of("troops")[:-1].sum()


def test_kind_and_unit_come_from_the_registry_and_unknown_columns_read_as_levels():
    assert outcome_kind_unit("collapse") == ("binary", "yes/no")
    assert outcome_kind_unit("attacks_by:drone") == ("count", "attacks")
    assert outcome_kind_unit("n_events") == ("level", "")
    assert describe("attacks_by:drone").meaning == "Militia attacks with drones."


def test_the_committed_outputs_reference_is_generated_from_the_registries():
    assert reference.PATH.read_text() == reference.markdown(), "stale: run python -m sim.engine.reference"
    text = reference.markdown()
    for name in (*SERIES, *(outcome.name for outcome in OUTCOMES), *WEAPONS):
        assert f"| `{name}` |" in text


def test_every_selection_of_outcomes_and_series_elsewhere_names_registry_entries():
    # The command line's table, the report's picks and the plots' defaults choose among the
    # registry's names: a renamed outcome or series must not silently drop out of them.
    from sim import cli
    from sim.plots.outcomes import KEY_OUTCOMES
    from sim.plots.save import COMPARE_SERIES
    from sim.report.explorer import SHOWN
    from sim.report.html import KEY_DIFFERENCES

    for name in (*cli.TABLE_OUTCOMES, *KEY_DIFFERENCES, *KEY_OUTCOMES, *SHOWN):
        assert name in OUTCOME_BY_NAME, name
    assert set(COMPARE_SERIES) <= set(SERIES)
