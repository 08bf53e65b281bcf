"""Scenarios that draw parameters jointly from a posterior file (``posterior:``)."""

from __future__ import annotations

import json
import os
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.cli import main
from sim.engine import simulate_trial
from sim.engine.streams import trial_streams
from sim.scenario import ScenarioError, load_scenario, scenario_from_text
from sim.scenario.posterior import FromPosterior, read_posterior
from sim.scenario.sampling import draw_parameters, fix, has_distribution, uncertain_parameters

EXAMPLE = Path(__file__).parent / "posteriors" / "example.json"
RATE, RATIO = "militia.attack_rate_per_day", "militia.branching_ratio"

SCENARIO = textwrap.dedent(
    """\
    name: with_posterior
    start: 2024-02-01
    horizon_days: 40
    bases:
      al_asad: {}
      erbil: {region: kurdistan}
    forces:
      us_asad: {base: al_asad, troops: 1500, schedule: [{at: 20, troops: 0, ramp_days: 5}]}
      nato_erbil: {contingent: NATO, base: erbil, troops: 500}
    militia:
      attack_rate_per_day: {dist: uniform, low: 0.5, high: 3.0}
      decay_days: {dist: uniform, low: 2, high: 5}
    monte_carlo: {trials: 8, seed: 7}
    """
)


def write_posterior(path: Path, parameters, particles, weights, **changes) -> Path:
    data = {
        "format": 1,
        "kind": "sim posterior",
        "parameters": list(parameters),
        "particles": np.asarray(particles, dtype=float).tolist(),
        "weights": np.asarray(weights, dtype=float).tolist(),
        "method": "synthetic, for a test",
        "seed": 3,
    }
    data.update(changes)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def write_scenario(folder: Path, name: str, posterior: str, text: str = SCENARIO) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + posterior)
    return path


def correlated(n: int, rho: float, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """``n`` particles of (attack rate, branching ratio) with normal scores correlated ``rho``,
    and unequal weights."""
    rng = np.random.default_rng(seed)
    scores = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n)
    particles = np.column_stack([1.8 + 0.3 * scores[:, 0], 0.3 + 0.05 * scores[:, 1]])
    weights = rng.gamma(2.0, size=n) * (1 + (scores[:, 0] > 0))  # favour the upper half
    return particles, weights


def weighted_moments(particles: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, float]:
    w = weights / weights.sum()
    mean = w @ particles
    centred = particles - mean
    cov = (centred * w[:, None]).T @ centred
    return mean, cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])


@pytest.fixture
def synthetic(tmp_path):
    particles, weights = correlated(2000, 0.8)
    write_posterior(tmp_path / "fit.json", [RATE, RATIO], particles, weights)
    scenario = load_scenario(write_scenario(tmp_path, "s.yaml", "posterior: {file: fit.json}\n"))
    return scenario, particles, weights


# ----------------------------------------------------------------------- the draws


def test_joint_draws_keep_the_posteriors_weighted_means_and_correlation(synthetic):
    scenario, particles, weights = synthetic
    n = 40_000
    draws = draw_parameters(scenario, n, seed=11)
    drawn = np.column_stack([draws[RATE], draws[RATIO]])
    mean, rho = weighted_moments(particles, weights)
    assert rho == pytest.approx(0.8, abs=0.05)  # the synthetic fit holds what it should
    sd = np.sqrt(np.average((particles - mean) ** 2, axis=0, weights=weights))
    np.testing.assert_array_less(np.abs(drawn.mean(axis=0) - mean), 4 * sd / np.sqrt(n))
    # The standard error of a correlation estimate is (1 - rho^2) / sqrt(n): 0.0018 here.
    assert np.corrcoef(drawn.T)[0, 1] == pytest.approx(rho, abs=4 * (1 - rho**2) / np.sqrt(n))
    # Each draw is a whole particle: its two values sit in the same row of the file.
    rows = {tuple(row) for row in particles.tolist()}
    assert all(tuple(pair) in rows for pair in drawn[:2000].tolist())


def test_particles_are_picked_as_often_as_their_weights_say(tmp_path):
    weights = np.array([5, 1, 0, 3, 2, 8, 0.5, 4, 0, 6], dtype=float)
    particles = np.column_stack([np.linspace(1, 2, 10), np.linspace(0.1, 0.5, 10)])
    write_posterior(tmp_path / "fit.json", [RATE, RATIO], particles, weights)
    scenario = load_scenario(write_scenario(tmp_path, "s.yaml", "posterior: {file: fit.json}\n"))
    n = 30_000
    picked = np.searchsorted(particles[:, 0], draw_parameters(scenario, n, seed=2)[RATE])
    counts = np.bincount(picked, minlength=len(weights))
    assert counts[weights == 0].sum() == 0  # a particle of weight 0 is never picked
    used = weights > 0
    expected = n * weights[used] / weights.sum()
    assert stats.chisquare(counts[used], expected).pvalue > 0.001


def test_draw_i_is_the_same_whatever_the_number_of_draws(synthetic):
    scenario = synthetic[0]
    long, short = draw_parameters(scenario, 500, seed=4), draw_parameters(scenario, 37, seed=4)
    for path in (RATE, RATIO):
        np.testing.assert_array_equal(long[path][:37], short[path])
    other = draw_parameters(scenario, 37, seed=5)
    assert not np.array_equal(other[RATE], short[RATE])


def test_the_posterior_overrides_what_the_scenario_writes_and_leaves_other_draws_alone(tmp_path):
    particles = [[1.2, 0.2], [2.4, 0.4]]
    write_posterior(tmp_path / "fit.json", [RATE, RATIO], particles, [1, 1])
    plain = load_scenario(write_scenario(tmp_path, "plain.yaml", ""))
    joint = load_scenario(write_scenario(tmp_path, "joint.yaml", "posterior: {file: fit.json}\n"))
    found = uncertain_parameters(joint)
    assert list(found) == [RATE, RATIO, "militia.decay_days"]  # in the order of the schema
    assert isinstance(found[RATE], FromPosterior)
    assert found[RATIO].dist == "posterior"
    assert found[RATE].support() == (1.2, 2.4)
    draws = draw_parameters(joint, 200, seed=9)
    assert set(draws[RATE]) == {1.2, 2.4}  # the scenario's uniform is overridden
    np.testing.assert_array_equal(draws[RATIO], np.where(draws[RATE] == 1.2, 0.2, 0.4))
    # The posterior has its own stream: the scenario's own distribution keeps its draws.
    np.testing.assert_array_equal(
        draws["militia.decay_days"], draw_parameters(plain, 200, seed=9)["militia.decay_days"]
    )


def test_fixing_a_draw_sets_every_posterior_parameter_and_drops_the_section(synthetic):
    scenario = synthetic[0]
    assert has_distribution(scenario)
    draws = draw_parameters(scenario, 3, seed=1)
    fixed = fix(scenario, {path: values[2] for path, values in draws.items()})
    assert fixed.posterior is None
    assert not has_distribution(fixed)
    assert uncertain_parameters(fixed) == {}
    assert fixed.militia.attack_rate_per_day == draws[RATE][2]
    assert fixed.militia.branching_ratio == draws[RATIO][2]


def test_a_subset_takes_only_the_named_parameters(tmp_path):
    scenario = scenario_from_text(
        SCENARIO + f"posterior: {{file: {EXAMPLE}, parameters: [{RATIO}]}}\n", base_dir=tmp_path
    )
    assert scenario.posterior.paths == (RATIO,)
    found = uncertain_parameters(scenario)
    assert isinstance(found[RATIO], FromPosterior)
    assert found[RATE].dist == "uniform"


def test_a_lone_trial_draws_the_posterior_from_its_own_stream(synthetic):
    scenario = synthetic[0]
    own = int(trial_streams(3)["parameters"].integers(2**63))
    draws = draw_parameters(scenario, 1, own)
    assert draws[RATE][0] in synthetic[1][:, 0]
    alone = simulate_trial(scenario, 3)
    np.testing.assert_equal(
        alone.outcomes, simulate_trial(fix(scenario, {p: v[0] for p, v in draws.items()}), 3).outcomes
    )


def test_provenance_and_the_file_are_kept_on_the_scenario(tmp_path):
    scenario = scenario_from_text(SCENARIO + f"posterior: {{file: {EXAMPLE}}}\n", base_dir=tmp_path)
    assert scenario.posterior.file == str(EXAMPLE.resolve())
    assert scenario.posterior.provenance["method"].startswith("hand-made")
    assert "particles" not in scenario.posterior.provenance
    data = scenario.posterior.data
    assert data.particles.shape == (6, 3)
    assert data.weights.sum() == pytest.approx(1.0)


# ------------------------------------------------------- common random numbers


def test_two_scenarios_naming_the_same_file_pick_the_same_particles(tmp_path):
    particles, weights = correlated(300, 0.5)
    write_posterior(tmp_path / "fits" / "fit.json", [RATE, RATIO], particles, weights)
    one = load_scenario(write_scenario(tmp_path, "a/one.yaml", "posterior: {file: ../fits/fit.json}\n"))
    changed = SCENARIO.replace("decay_days: {dist: uniform, low: 2, high: 5}", "decay_days: 3")
    two = load_scenario(
        write_scenario(
            tmp_path,
            "b/c/two.yaml",
            f"posterior: {{file: ../../fits/fit.json, parameters: [{RATIO}]}}\n",
            changed,
        )
    )
    first, second = draw_parameters(one, 100, seed=21), draw_parameters(two, 100, seed=21)
    np.testing.assert_array_equal(first[RATIO], second[RATIO])


# --------------------------------------------------------------- paths and extends


def test_a_path_inherited_through_extends_starts_from_the_parent_s_folder(tmp_path):
    write_posterior(tmp_path / "parent" / "fit.json", [RATE], [[1.0], [2.0]], [1, 1])
    write_scenario(tmp_path, "parent/base.yaml", "posterior: {file: fit.json}\n")
    (tmp_path / "child").mkdir()
    child = tmp_path / "child" / "child.yaml"
    child.write_text("extends: ../parent/base.yaml\nname: child\n")
    assert load_scenario(child).posterior.file == str((tmp_path / "parent" / "fit.json").resolve())


def test_a_path_the_child_writes_starts_from_the_child_s_folder(tmp_path):
    write_posterior(tmp_path / "child" / "own.json", [RATE], [[1.5]], [1])
    write_scenario(tmp_path, "parent/base.yaml", "posterior: {file: missing.json}\n")
    child = tmp_path / "child" / "child.yaml"
    child.write_text("extends: ../parent/base.yaml\nposterior: {file: own.json}\n")
    assert load_scenario(child).posterior.file == str((tmp_path / "child" / "own.json").resolve())


def test_a_path_set_on_the_command_line_starts_from_the_working_directory(tmp_path, monkeypatch):
    write_posterior(tmp_path / "here" / "fit.json", [RATE], [[1.5]], [1])
    scenario_file = write_scenario(tmp_path, "elsewhere/s.yaml", "")
    monkeypatch.chdir(tmp_path / "here")
    scenario = load_scenario(scenario_file, ["posterior.file=fit.json"])
    assert scenario.posterior.file == str((tmp_path / "here" / "fit.json").resolve())


# ------------------------------------------------------------------- bad files

GOOD = {"parameters": [RATE, RATIO], "particles": [[1.5, 0.2], [2.0, 0.3]], "weights": [1.0, 2.0]}


def _bad(**changes):
    return {**GOOD, **changes}


BAD_FILES = [
    ("missing", None, "expected an existing posterior file, found no file at"),
    ("not json", "{not json", "expected JSON in"),
    ("NaN literal", '{"format": 1, "weights": [NaN]}', "expected JSON numbers in"),
    ("format", _bad(format=2), "expected 'format': 1"),
    ("kind", _bad(kind="fit"), "expected 'kind': 'sim posterior'"),
    ("missing key", {k: v for k, v in GOOD.items() if k != "weights"}, "found no 'weights'"),
    ("ragged", _bad(particles=[[1.5, 0.2], [2.0]]), "found particle 1 with 1 values"),
    ("text value", _bad(particles=[[1.5, 0.2], [2.0, "0.3"]]), "expected numbers in the particles"),
    ("weights count", _bad(weights=[1.0]), "expected 2 weights"),
    ("negative weight", _bad(weights=[1.0, -1.0]), "expected finite weights >= 0"),
    (
        "infinite weight",
        '{"format": 1, "kind": "sim posterior", "parameters": ["militia.branching_ratio"], '
        '"particles": [[0.2], [0.3]], "weights": [1, 1e400]}',
        "expected finite weights >= 0",
    ),
    ("zero weights", _bad(weights=[0, 0.0]), "expected weights with a positive, finite sum"),
    ("repeated parameter", _bad(parameters=[RATE, RATE]), "expected each parameter once"),
    (
        "unknown path",
        _bad(parameters=[RATE, "militia.branching"]),
        "expected the path of a numeric parameter",
    ),
    ("not numeric", _bad(parameters=[RATE, "monte_carlo.seed"]), "expected the path of a numeric parameter"),
    ("inside a distribution", _bad(parameters=[RATE, f"{RATE}.low"]), "numeric parameter"),
    (
        "out of range",
        _bad(particles=[[1.5, 0.2], [2.0, 0.97]]),
        f"expected values of {RATIO} >= 0 and <= 0.95",
    ),
]


@pytest.mark.parametrize(("case", "content", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_a_bad_posterior_file_is_refused_with_one_clear_message_and_validate_exits_2(
    tmp_path, capsys, case, content, message
):
    file = tmp_path / "fit.json"
    if isinstance(content, dict):
        file.write_text(json.dumps({"format": 1, "kind": "sim posterior", **content}))
    elif content is not None:
        file.write_text(content)
    scenario_file = write_scenario(tmp_path, "s.yaml", "posterior:\n  file: fit.json\n")
    with pytest.raises(ScenarioError) as raised:
        load_scenario(scenario_file)
    [problem] = raised.value.problems
    assert message in problem.message
    assert (problem.file, problem.line, problem.field) == (
        str(scenario_file),
        SCENARIO.count("\n") + 2,
        "posterior.file",
    )
    assert "Traceback" not in str(raised.value)
    assert main(["validate", str(scenario_file)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_a_file_not_named_json_is_never_read(tmp_path):
    (tmp_path / "secret.txt").write_text("password: hunter2\n")
    with pytest.raises(ScenarioError, match=r"expected a posterior file named \*.json") as raised:
        load_scenario(write_scenario(tmp_path, "s.yaml", "posterior: {file: secret.txt}\n"))
    assert "hunter2" not in str(raised.value)


def test_a_subset_naming_a_parameter_not_in_the_file_points_at_that_entry(tmp_path):
    write_posterior(tmp_path / "fit.json", [RATE], [[1.5]], [1])
    text = "posterior:\n  file: fit.json\n  parameters:\n    - militia.attack_rate_per_day\n    - militia.decay_days\n"
    scenario_file = write_scenario(tmp_path, "s.yaml", text)
    with pytest.raises(ScenarioError) as raised:
        load_scenario(scenario_file)
    [problem] = raised.value.problems
    assert problem.field == "posterior.parameters.1"
    assert problem.line == SCENARIO.count("\n") + 5
    assert "expected one of the parameters of" in problem.message
    assert "'militia.decay_days'" in problem.message


def test_a_correlation_with_a_posterior_parameter_is_refused(tmp_path):
    write_posterior(tmp_path / "fit.json", [RATE], [[1.5], [2.5]], [1, 1])
    text = f"correlations:\n  - {{between: [{RATE}, militia.decay_days], rho: 0.5}}\nposterior: {{file: fit.json}}\n"
    with pytest.raises(ScenarioError) as raised:
        load_scenario(write_scenario(tmp_path, "s.yaml", text))
    [problem] = raised.value.problems
    assert problem.field == "correlations.0.between"
    assert "carries its own dependence" in problem.message


def test_values_that_break_a_check_across_fields_are_refused(tmp_path):
    shares = ["forces.us_asad.roles.trainers", "forces.us_asad.roles.enablers"]
    write_posterior(tmp_path / "fit.json", shares, [[0.2, 0.3], [0.5, 0.6]], [1, 1])
    with pytest.raises(ScenarioError) as raised:
        load_scenario(write_scenario(tmp_path, "s.yaml", "posterior: {file: fit.json}\n"))
    [problem] = raised.value.problems
    assert "can break forces.us_asad.roles" in problem.message
    assert "summing to at most 1" in problem.message


# ----------------------------------------------------------------- large files


@pytest.mark.slow
def test_a_large_file_is_read_quickly_and_once_until_it_changes(tmp_path):
    rng = np.random.default_rng(0)
    paths = [f"bases.b{i}.attractiveness" for i in range(40)]
    file = write_posterior(
        tmp_path / "big.json", paths, rng.uniform(0.5, 2, (10_000, 40)), rng.random(10_000)
    )
    began = time.perf_counter()
    first = read_posterior(file)
    took = time.perf_counter() - began
    assert first.particles.shape == (10_000, 40)
    assert took < 5.0, f"reading 10,000 x 40 particles took {took:.2f} s"
    assert read_posterior(file) is first  # from memory
    stamp = os.stat(file).st_mtime_ns
    write_posterior(file, paths, rng.uniform(0.5, 2, (10_000, 40)), rng.random(10_000))
    os.utime(file, ns=(stamp + 10**9, stamp + 10**9))
    assert read_posterior(file) is not first


def test_the_example_file_in_the_model_docs_reads_as_a_posterior(tmp_path):
    text = (Path(__file__).parents[2] / "docs" / "model.md").read_text()
    section = text.split("### Posteriors")[1].split("\n## ")[0]
    example = section.split("```json\n")[1].split("```")[0]
    posterior = read_posterior(write_text(tmp_path / "example.json", example))
    assert posterior.parameters == (RATE, RATIO)
    assert posterior.particles.shape == (3, 2)
    assert posterior.weights.sum() == pytest.approx(1.0)
    assert posterior.provenance["method"].startswith("ABC-SMC")


def write_text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_value_set_explicitly_wins_over_the_posterior():
    replay = Path(__file__).resolve().parents[2] / "scenarios" / "replay_2023.yaml"
    shipped = load_scenario(replay)
    assert "militia.attack_rate_per_day" in shipped.posterior.paths
    chosen = load_scenario(replay, overrides=["militia.attack_rate_per_day=0.9"])
    assert "militia.attack_rate_per_day" not in chosen.posterior.paths
    assert chosen.militia.attack_rate_per_day == 0.9
    assert "militia.attack_rate_per_day" not in uncertain_parameters(chosen)
    # The other parameters still come from the file.
    assert set(chosen.posterior.paths) == set(shipped.posterior.paths) - {"militia.attack_rate_per_day"}


def test_overriding_a_whole_section_sets_aside_every_posterior_parameter_under_it():
    replay = Path(__file__).resolve().parents[2] / "scenarios" / "replay_2023.yaml"
    chosen = load_scenario(
        replay,
        overrides={"retaliation.deterrence": {"probability": 0.5, "factor": 0.1, "recovery_days": 30.0}},
    )
    assert not any(p.startswith("retaliation.deterrence.") for p in chosen.posterior.paths)
    assert chosen.retaliation.deterrence.probability == 0.5
    assert "militia.attack_rate_per_day" in chosen.posterior.paths


def test_a_child_scenarios_own_value_wins_over_its_parents_posterior(tmp_path):
    root = Path(__file__).resolve().parents[2]
    child = tmp_path / "child.yaml"
    child.write_text(
        f"extends: {root / 'scenarios' / 'fast_exit.yaml'}\nname: child\nmilitia:\n  attack_rate_per_day: 2.5\n"
    )
    scenario = load_scenario(child)
    assert "militia.attack_rate_per_day" not in scenario.posterior.paths
    assert scenario.militia.attack_rate_per_day == 2.5
    # The parent's own priors are still replaced: the fit's other parameters come from the file.
    assert "militia.branching_ratio" in scenario.posterior.paths
