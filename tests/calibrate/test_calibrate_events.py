"""Event lists read from CSV exports, and the scenario fragment a fit is written as."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pytest
import yaml

from sim.calibrate.events import EventsError, parse_date, read_event_days
from sim.calibrate.fragment import OutsideSchema, fitted_values, militia_fragment, number
from sim.calibrate.hawkes import Estimate, HawkesFit
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "examples" / "militia_attacks_2023.csv"


def write(tmp_path: Path, text: str, name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text",
    [
        "2023-10-17",
        " 2023-10-17 ",
        "2023-10-17T14:05:00",
        "17 October 2023",
        "17 Oct 2023",
        "October 17, 2023",
    ],
)
def test_dates_are_read_in_the_forms_exports_use(text):
    assert parse_date(text) == dt.date(2023, 10, 17)


@pytest.mark.parametrize("text", ["03/04/2023", "yesterday", "", "2023-13-01"])
def test_dates_that_could_be_misread_or_are_not_dates_are_refused(text):
    with pytest.raises(ValueError, match=f"^{re.escape(text)}$"):  # the caller says where it was
        parse_date(text)


def test_the_date_column_is_found_by_its_usual_names_ignoring_case(tmp_path):
    path = write(tmp_path, "\ufeffEvent_ID,EVENT_DATE,Country\n1,2023-10-18,Iraq\n2,2023-10-17,Syria\n")
    events = read_event_days(path)
    assert events.dates == (dt.date(2023, 10, 17), dt.date(2023, 10, 18))  # sorted
    assert events.date_column == "EVENT_DATE"
    assert events.rows == 2


def test_a_place_keeps_only_its_rows(tmp_path):
    path = write(tmp_path, "date,country\n2023-10-17,Iraq\n2023-10-18,Syria\n2023-10-19, iraq \n")
    events = read_event_days(path, place="Iraq")
    assert events.dates == (dt.date(2023, 10, 17), dt.date(2023, 10, 19))
    assert events.place_column == "country"
    assert events.rows == 3


def test_the_window_counts_its_days_and_drops_events_outside_it(tmp_path):
    path = write(tmp_path, "date\n2023-10-17\n2023-10-19\n2023-10-19\n2023-11-01\n")
    events = read_event_days(path)
    days, length = events.window()
    assert list(days) == [0, 2, 2, 15]
    assert length == 16
    days, length = events.window(dt.date(2023, 10, 18), dt.date(2023, 12, 31))
    assert list(days) == [1, 1, 14]
    assert length == 75
    with pytest.raises(EventsError, match="ends .* before it starts"):
        events.window(dt.date(2023, 11, 2), dt.date(2023, 11, 1))


def test_comment_lines_before_the_header_are_skipped_and_line_numbers_stay_true(tmp_path):
    path = write(tmp_path, "# a note\n# another\ndate\n2023-10-17\n\n2023-10-3x\n")
    with pytest.raises(EventsError) as error:
        read_event_days(path)
    assert str(error.value) == (
        f"{path}:6: column 'date': expected a date such as 2023-10-17 or 17 October 2023, found '2023-10-3x'"
    )


@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        (
            "id,day\n1,2023-10-17\n",
            {},
            "no date column ('event_date' or 'date'); the columns are 'id', 'day'",
        ),
        ("date\n2023-10-17\n", {"date_column": "when"}, "no column 'when'; the columns are 'date'"),
        ("date\n2023-10-17\n", {"place": "Iraq"}, "no place column ('country' or 'place')"),
        ("", {}, "empty; expected a header row"),
        ("date\n\n", {"place_column": "date", "place": "x"}, None),  # a header and no events: fine
    ],
)
def test_bad_files_give_one_message_naming_the_file(tmp_path, text, options, message):
    path = write(tmp_path, text)
    if message is None:
        assert read_event_days(path, **options).dates == ()
        return
    with pytest.raises(EventsError) as error:
        read_event_days(path, **options)
    assert str(error.value).startswith(str(path))
    assert message in str(error.value)


def test_missing_and_undecodable_files_are_named(tmp_path):
    with pytest.raises(EventsError, match="no such file"):
        read_event_days(tmp_path / "absent.csv")
    (tmp_path / "latin.csv").write_bytes(b"date\n2023-10-17\n\xe9\n")
    with pytest.raises(EventsError, match="not UTF-8 text"):
        read_event_days(tmp_path / "latin.csv")


def test_the_example_holds_the_records_cumulative_counts():
    """The reconstruction agrees with every count it was built from (data/calibration_facts.yaml)."""
    facts = {f["id"]: f for f in yaml.safe_load((ROOT / "data" / "calibration_facts.yaml").read_text())}
    events = read_event_days(EXAMPLE)
    iraq = read_event_days(EXAMPLE, place="Iraq")
    for fact_id in (
        "militia_attacks_cum_2023_10_24",
        "militia_attacks_cum_2023_10_30",
        "militia_attacks_cum_2023_11_06",
        "militia_attacks_cum_2023_11_14",
        "militia_attacks_cum_2023_11_17",
        "militia_attacks_cum_2023_11_21",
        "militia_attacks_cum_2023_12_04",
        "militia_attacks_cum_2023_12_21",
        "militia_attacks_iraq_cum_2023_10_30",
        "militia_attacks_iraq_cum_2023_11_14",
        "militia_attacks_iraq_cum_2023_12_21",
    ):
        fact = facts[fact_id]
        dates = iraq.dates if "_iraq_" in fact_id else events.dates
        assert sum(d <= fact["period_end"] for d in dates) == fact["value"], fact_id
    truce = facts["militia_attacks_truce_pause_2023_11"]
    assert not [d for d in events.dates if truce["period_start"] <= d <= truce["period_end"]]
    assert EXAMPLE.read_text().startswith("# RECONSTRUCTION, NOT AN EVENT LOG.")


# ------------------------------------------------------------------- the fragment


def a_fit(rate=1.6, n=0.32, tau=3.9):
    def estimate(value):
        return Estimate(value, value / 2, value * 2)

    return HawkesFit(
        background_per_day=estimate(rate * (1 - n)),
        branching_ratio=Estimate(n, 0.0, min(1.0, 2 * n)),
        decay_days=Estimate(tau, 0.0, math.inf),
        attack_rate_per_day=estimate(rate),
        events=102,
        window_days=66.0,
        log_likelihood=-56.9,
        level=0.95,
        method="profile",
    )


def test_numbers_are_written_so_that_yaml_reads_numbers():
    for value in (1e5, 123456.0, 4.662e-12, 0.3203, 3.0):
        assert isinstance(yaml.safe_load(number(value)), int | float), number(value)
    assert number(1e5) == "1.0e+05"


def test_a_scenario_that_extends_the_fragment_validates_with_the_fitted_values(tmp_path):
    write(tmp_path, militia_fragment(a_fit(), "test data"), "fitted.yaml")
    scenario = write(
        tmp_path,
        "format: 2\nname: uses the fit\nextends: fitted.yaml\nbases: {a: {region: federal_iraq}}\n"
        "forces: {f: {base: a, troops: 1000}}\n",
        "scenario.yaml",
    )
    militia = load_scenario(scenario).militia
    assert (militia.attack_rate_per_day, militia.branching_ratio, militia.decay_days) == (1.6, 0.32, 3.9)


def test_a_fragment_with_extends_is_a_complete_scenario(tmp_path):
    text = militia_fragment(a_fit(), "test data", extends="../../scenarios/baseline.yaml")
    path = ROOT / "scenarios" / "baseline.yaml"
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    (tmp_path / "scenarios").symlink_to(path.parent, target_is_directory=True)
    (tmp_path / "data").symlink_to(ROOT / "data", target_is_directory=True)  # the posterior
    scenario = load_scenario(write(folder, text, "fitted.yaml"))
    assert scenario.militia.branching_ratio == 0.32
    # The fragment's own values win over the baseline's posterior.
    assert "militia.branching_ratio" not in scenario.posterior.paths
    assert scenario.name == load_scenario(path).name  # everything else is the baseline's


def test_the_fragment_states_its_intervals_and_data_in_comments():
    text = militia_fragment(a_fit(), "102 events on 66 days")
    assert "# Data: 102 events on 66 days" in text
    assert "Estimates with 95% intervals (profile likelihood):" in text
    assert "#   branching_ratio          0.32  (0 to 0.64): branching ratio n" in text
    assert "#   decay_days                3.9  (0 to inf): decay tau, days" in text
    assert yaml.safe_load(text) == {
        "militia": {"attack_rate_per_day": 1.6, "branching_ratio": 0.32, "decay_days": 3.9}
    }


def test_a_fit_the_schema_cannot_hold_is_refused_not_clipped():
    with pytest.raises(OutsideSchema, match=r"branching_ratio 0\.97 \(the schema allows 0 to 0\.95\)"):
        fitted_values(a_fit(n=0.97))
    with pytest.raises(OutsideSchema, match="attack_rate_per_day 250"):
        fitted_values(a_fit(rate=250.0))
    assert fitted_values(a_fit(n=0.95))["branching_ratio"] == 0.95  # the edge itself is allowed
