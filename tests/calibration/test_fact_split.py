"""The split of the record into facts that fit and facts that only check.

Every row of ``data/calibration_facts.yaml`` says whether it may set a value
(``calibrate``) or may only test the model's output (``validate``), and why. A fact that
sets a default can never validate it: every fact the defaults table of
``docs/calibration.md`` cites as a source must be a ``calibrate`` fact.
"""

from __future__ import annotations

import re

import pytest
import yaml

from sim.calibrate.checks import CHECKS, FACTS, ROOT, V1_IN_SAMPLE, held_out

CALIBRATION_DOC = ROOT / "docs" / "calibration.md"


def _facts() -> list[dict]:
    return yaml.safe_load(FACTS.read_text())


def _cited_sources() -> dict[str, set[str]]:
    """Fact ids cited per parameter in the table "Where each default comes from"."""
    text = CALIBRATION_DOC.read_text()
    section = text.split("## Where each default comes from", 1)[1].split("\n## ", 1)[0]
    known = {row["id"] for row in _facts()}
    cited: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = line.split("|")
        if len(cells) < 4 or not cells[1].strip().startswith("`"):
            continue
        parameter = cells[1].strip()
        for token in re.findall(r"`([a-z0-9_]+)`", line):
            if token in known:
                cited.setdefault(token, set()).add(parameter)
    return cited


def test_every_fact_says_whether_it_fits_or_validates_and_why():
    for row in _facts():
        assert row.get("use") in {"calibrate", "validate"}, row["id"]
        assert isinstance(row.get("why"), str), row["id"]
        assert len(row["why"]) > 20, row["id"]


def test_both_kinds_of_fact_are_present_in_every_part_of_the_record():
    uses = {}
    for row in _facts():
        uses.setdefault(row["id"].split("_")[0], set()).add(row["use"])
    for prefix in ("militia", "isis"):
        assert uses[prefix] == {"calibrate", "validate"}, prefix


def test_no_default_is_set_on_a_validation_fact():
    uses = {row["id"]: row["use"] for row in _facts()}
    cited = _cited_sources()
    assert cited, "the defaults table of docs/calibration.md cites no fact: has its heading changed?"
    offending = {
        fact: sorted(parameters)
        for fact, parameters in cited.items()
        if uses[fact] == "validate" and fact not in V1_IN_SAMPLE
    }
    assert not offending, f"defaults set on facts kept for validation: {offending}"


@pytest.mark.slow
def test_the_list_of_in_sample_v1_defaults_is_current():
    uses = {row["id"]: row["use"] for row in _facts()}
    cited = _cited_sources()
    for fact, parameter in V1_IN_SAMPLE.items():
        assert uses[fact] == "validate", f"{fact} is a calibrate fact: drop it from V1_IN_SAMPLE"
        assert any(parameter in p for p in cited.get(fact, ())), (
            f"{parameter} no longer cites {fact}: drop it from V1_IN_SAMPLE"
        )


def test_a_check_on_a_fact_that_may_fit_is_reported_as_in_sample():
    kinds = {check.name: held_out(check) for check in CHECKS}
    assert kinds["no_attacks_in_gaza_truce"] == "fit"  # the truce is an input of the replay
    assert "held out" in kinds["attacks_by_24_jan_2024"]
