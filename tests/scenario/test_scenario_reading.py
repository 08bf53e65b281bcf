"""Reading scenario files: every user error is one clear Problem, never a traceback.

The malformed files in ``bad/`` end with ``# expect:`` lines: each is one problem
the loader must report, as ``str(problem)`` without the leading file name. The test
compares the whole list, so every message, line, column and field is checked, and
no problem may be missing or extra.
"""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

import pytest
from scenario_texts import VALID, write

from sim.scenario.loader import (
    Problem,
    ScenarioError,
    check_file,
    load_scenario,
    scenario_from_dict,
    scenario_from_text,
)
from sim.scenario.yaml_source import MAX_BYTES, MAX_DEPTH

BAD = Path(__file__).parent / "bad"
BAD_FILES = sorted(BAD.glob("*.yaml"))


def expected_problems(path: Path) -> list[str]:
    prefix = "# expect: "
    return [line[len(prefix) :] for line in path.read_text().splitlines() if line.startswith(prefix)]


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_each_malformed_file_reports_exactly_its_expected_problems(path):
    expected = expected_problems(path)
    assert expected, f"{path.name} states no expected problem"
    found = [str(p)[len(str(path)) :] for p in check_file(str(path))]
    assert found == expected


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_loading_a_malformed_file_raises_only_scenario_error(path):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert type(caught.value) is ScenarioError
    assert caught.value.problems == check_file(path)


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_validate_command_exits_2_and_prints_each_problem_without_traceback(path, capsys):
    from sim.cli import main

    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for problem in check_file(path):
        assert f"error: {problem}" in err


def test_validate_command_exits_2_for_missing_file_and_directory(tmp_path, capsys):
    from sim.cli import main

    assert main(["validate", str(tmp_path / "gone.yaml"), str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "found no file at this path" in err
    assert "found a directory" in err
    assert "Traceback" not in err


def test_a_python_tag_is_never_constructed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    problems = check_file(BAD / "python_tag.yaml")
    assert "!!python/object/apply:os.system" in problems[0].message
    assert not (tmp_path / "constructed.txt").exists()


def test_an_alias_bomb_is_refused_quickly():
    started = time.perf_counter()
    problems = check_file(BAD / "alias_bomb.yaml")
    assert time.perf_counter() - started < 2.0  # 9**9 strings if expanded; a bounded walk takes ~0.1 s
    assert "alias bomb" in problems[0].message


def test_a_merge_key_bomb_is_refused_like_an_alias_bomb():
    levels = ["a0: &a0 {k0: 1, k1: 1, k2: 1, k3: 1, k4: 1, k5: 1, k6: 1, k7: 1, k8: 1}"]
    for level in range(1, 9):
        merges = ", ".join(f"*a{level - 1}" for _ in range(9))
        levels.append(f"a{level}: &a{level} {{<<: [{merges}], x{level}: [{merges}]}}")
    started = time.perf_counter()
    with pytest.raises(ScenarioError, match="alias bomb"):
        scenario_from_text("\n".join(levels) + "\n")
    assert time.perf_counter() - started < 2.0


def test_a_recursive_alias_is_an_error():
    with pytest.raises(ScenarioError, match="recursive aliases"):
        scenario_from_text("name: &x [a, *x]\n")


def test_nesting_deeper_than_the_limit_is_an_error():
    text = "name: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    with pytest.raises(ScenarioError, match=f"nesting at most {MAX_DEPTH} deep") as caught:
        scenario_from_text(text)
    assert caught.value.problems[0].line == 1


def test_a_missing_file_is_one_problem_naming_it(tmp_path):
    path = tmp_path / "nowhere.yaml"
    assert check_file(path) == [
        Problem(str(path), None, None, "", "expected an existing file, found no file at this path")
    ]


def test_a_directory_is_one_problem(tmp_path):
    (problem,) = check_file(tmp_path)
    assert problem.message == "expected a YAML file, found a directory"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_without_blocking(tmp_path):
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    (problem,) = check_file(pipe)
    assert problem.message == "expected a regular file, found a device, pipe or socket"


def test_an_impossible_path_is_one_problem(tmp_path):
    (problem,) = check_file(tmp_path / ("x" * 5000))
    assert problem.message.startswith("expected a readable file, found")


def test_an_empty_file_is_one_problem(tmp_path):
    (problem,) = check_file(write(tmp_path, "empty.yaml", ""))
    assert problem.message == "expected a scenario (a mapping of keys), found an empty file"


def test_binary_content_is_one_problem_with_its_line(tmp_path):
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"name: x\nbases:\n  a\x00\x01\x02: {}\n")
    (problem,) = check_file(path)
    assert (problem.line, problem.column) == (3, 4)
    assert problem.message == "expected YAML text, found binary content (a NUL byte)"


def test_utf16_text_is_named_as_such(tmp_path):
    path = tmp_path / "utf16.yaml"
    path.write_bytes(VALID.encode("utf-16"))
    (problem,) = check_file(path)
    assert "UTF-16? save the file as UTF-8" in problem.message


def test_non_utf8_bytes_are_one_problem_with_their_position(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: x\ndescription: Arbil \u00e9t\u00e9\n".encode("latin-1"))
    (problem,) = check_file(path)
    assert (problem.line, problem.column) == (2, 20)
    assert problem.message == "expected UTF-8 text, found the byte 0xe9"


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode())
    assert check_file(path) == []


def test_a_control_character_keeps_its_line(tmp_path):
    (problem,) = check_file(write(tmp_path, "bell.yaml", VALID + "description: ring \x07\n"))
    assert problem.line == VALID.count("\n") + 1
    assert "#x0007" in problem.message


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# padding\n" * (MAX_BYTES // 10 + 1))
    (problem,) = check_file(path)
    assert problem.message.startswith("expected a scenario file of at most 1 MiB, found")


def test_text_over_the_size_limit_is_refused():
    with pytest.raises(ScenarioError, match="at most 1 MiB"):
        scenario_from_text("#" * (MAX_BYTES + 1))


def test_two_documents_in_one_file_are_an_error(tmp_path):
    (problem,) = check_file(write(tmp_path, "two.yaml", VALID + "---\nname: second\n"))
    assert problem.message == "expected a single YAML document, found another one after '---'"
    assert problem.line == VALID.count("\n") + 1


def test_keys_stay_text_so_on_is_not_true():
    scenario = scenario_from_text(VALID)
    assert scenario.rules[0].on == "collapse"


def test_anchors_aliases_and_merge_keys_work():
    text = VALID.replace(
        "nato_erbil: {contingent: NATO, base: erbil, troops: 500}",
        "nato_erbil: &nato {contingent: NATO, base: erbil, troops: 500}\n"
        "  nato_asad: {<<: *nato, base: al_asad, troops: 200}",
    )
    forces = scenario_from_text(text).forces
    assert (forces["nato_asad"].contingent, forces["nato_asad"].base, forces["nato_asad"].troops) == (
        "NATO",
        "al_asad",
        200.0,
    )


def test_every_yaml_level_problem_in_a_file_is_reported_together(tmp_path):
    text = VALID.replace("decay_days: 4", "decay_days: 4\n  decay_days: 5\n  reference_troops: !big 4000")
    problems = check_file(write(tmp_path, "two_problems.yaml", text))
    assert [p.field for p in problems] == ["militia.decay_days", "militia.reference_troops"]


def test_check_file_returns_nothing_for_a_valid_file(tmp_path):
    assert check_file(write(tmp_path, "ok.yaml", VALID)) == []


def test_problem_text_leaves_out_unknown_parts():
    assert (
        str(Problem("a.yaml", 3, 5, "forces.us", "expected x, found y"))
        == "a.yaml:3:5: forces.us: expected x, found y"
    )
    assert str(Problem("a.yaml", 3, None, "", "expected x, found y")) == "a.yaml:3: expected x, found y"
    assert (
        str(Problem("--set", None, None, "a.b", "expected x, found y")) == "--set: a.b: expected x, found y"
    )


def test_scenario_error_is_one_line_per_problem_and_survives_pickling():
    problems = [
        Problem("a.yaml", 1, 1, "name", "expected x, found y"),
        Problem("a.yaml", 2, 1, "", "expected z"),
    ]
    error = ScenarioError(problems)
    assert str(error).splitlines() == [str(p) for p in problems]
    assert isinstance(error, ValueError)
    assert pickle.loads(pickle.dumps(error)).problems == problems


def test_scenario_from_dict_reports_problems_without_lines():
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({"name": "x", "bases": {"a": {}}, "forces": {"us": {"base": "a", "troop": 1}}})
    fields = {(p.file, p.line, p.field) for p in caught.value.problems}
    assert fields == {("<dict>", None, "forces.us.troop"), ("<dict>", None, "forces.us.troops")}


def test_scenario_from_dict_does_not_change_its_input():
    data = {"name": "x", "bases": {"a": {}}, "forces": {"us": {"base": "a", "troops": 5}}}
    before = repr(data)
    scenario_from_dict(data, overrides={"forces.us.troops": 7})
    assert repr(data) == before


def test_scenario_from_dict_refuses_a_non_mapping():
    with pytest.raises(ScenarioError, match="expected a mapping of keys"):
        scenario_from_dict(["name", "x"])  # type: ignore[arg-type]


def test_a_flood_of_problems_is_cut_after_a_hundred_with_a_count():
    forces = "".join(f"  f{i}: {{base: al_asad, troops: x, bad: 1}}\n" for i in range(60))
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(f"name: flood\nbases: {{al_asad: {{}}}}\nforces:\n{forces}")
    problems = caught.value.problems
    assert len(problems) == 101
    assert problems[-1].message == "... and 20 more problems"
    assert [p.line for p in problems[:-1]] == sorted(p.line for p in problems[:-1])
