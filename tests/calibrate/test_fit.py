"""The calibration fit, end to end on a small problem, and its guarantees."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("pyabc")

from sim.calibrate import fit  # noqa: E402
from sim.cli import main  # noqa: E402

SMALL = ("militia.attack_rate_per_day", "militia.branching_ratio")


def small_fit(folder, generations=2, jobs=1, population=16):
    return fit.run_fit(
        folder,
        ("replay_2023",),
        population=population,
        generations=generations,
        seed=11,
        jobs=jobs,
        only=SMALL,
    )


def test_the_problem_fits_only_shared_structural_parameters_on_fitting_facts():
    problem = fit.build_problem()
    assert set(problem.paths) == set(fit.FITTED)
    # The blocks share no parameter: each replay's fit is independent of the other's.
    blocks = list(fit.BLOCKS.values())
    assert not set(blocks[0]) & set(blocks[1])
    assert not set(fit.STATE) & set(problem.paths)
    from sim.calibrate.checks import fact_uses

    # Every fact of every check the fit uses is kept for fitting: none for validation.
    uses = fact_uses()
    assert problem.checks
    assert all(uses[f] == "calibrate" for c in problem.checks for f in c.facts)
    assert all(c.known_failure is None for c in problem.checks)
    # The 2011 ISF keeps its own prior: replay_2011 does not take the baseline's.
    assert "isf.self_sustained" not in problem.shared["replay_2011"]


def test_values_keep_each_prior_and_its_bounds():
    problem = fit.build_problem(("replay_2023",), SMALL)
    rng = np.random.default_rng(0)
    values = np.array([problem.values(z) for z in rng.normal(size=(4000, len(SMALL)))])
    for k, prior in enumerate(problem.priors):
        expected = prior.ppf(np.array([0.1, 0.5, 0.9]))
        np.testing.assert_allclose(np.quantile(values[:, k], [0.1, 0.5, 0.9]), expected, rtol=0.05)


@pytest.mark.slow
def test_a_small_fit_is_identical_on_one_or_two_workers_and_resumes_where_it_stopped(tmp_path):
    one, history_one = small_fit(tmp_path / "one", jobs=1)
    two, history_two = small_fit(tmp_path / "two", jobs=2)
    v1, w1 = fit.posterior_of(one, history_one)
    v2, w2 = fit.posterior_of(two, history_two)
    np.testing.assert_array_equal(v1, v2)
    np.testing.assert_array_equal(w1, w2)
    # Stopped after one generation, then run again: the same posterior as in one go.
    small_fit(tmp_path / "resumed", generations=1)
    resumed, history = small_fit(tmp_path / "resumed", generations=2)
    v3, w3 = fit.posterior_of(resumed, history)
    np.testing.assert_allclose(v3, v1)
    np.testing.assert_allclose(w3, w1)


@pytest.mark.slow
def test_the_command_writes_a_posterior_with_its_provenance(tmp_path, capsys):
    out = tmp_path / "post.json"
    status = main(
        [
            "calibrate",
            "--out",
            str(out),
            "--only",
            "replay_2023",
            "--population",
            "12",
            "--generations",
            "2",
            "--jobs",
            "1",
            "--seed",
            "5",
            *(a for p in SMALL for a in ("--parameters", p)),
        ]
    )
    assert status == 0
    document = json.loads(out.read_text())
    assert document["kind"] == "sim posterior"
    assert document["format"] == 1
    assert document["parameters"] == list(SMALL)
    particles = np.array(document["particles"])
    assert particles.shape == (12, 2)
    assert np.isclose(sum(document["weights"]), 1.0)
    (block,) = document["fits"]
    assert block["scenarios"] == ["replay_2023"]
    assert block["generations"] == 2
    assert document["seed"] == 5
    assert document["scenarios"] == ["replay_2023"]
    assert "militia_attacks_cum_2023_12_21" in document["facts"]
    assert len(document["facts_sha256"]) == 64
    # Only fitting facts: none kept for validation.
    from sim.calibrate.checks import fact_uses

    assert all(fact_uses()[f] == "calibrate" for f in document["facts"])
    assert "posterior written" in capsys.readouterr().out
    assert not (tmp_path / "post.json.checkpoint").exists()  # removed once the file is written


def test_the_command_refuses_an_unknown_replay(capsys):
    assert main(["calibrate", "--only", "replay_1999"]) == 2
    assert "replay_1999" in capsys.readouterr().err


def test_blocks_are_combined_by_resampling_each_and_pairing_at_random():
    class History:
        def __init__(self, frame, weights):
            self.frame, self.weights, self.max_t = frame, weights, 0

        def get_distribution(self, m, t):
            return self.frame, self.weights

    import pandas as pd

    a = fit.build_problem(("replay_2023",), ("militia.attack_rate_per_day",))
    b = fit.build_problem(("replay_2011",), ("isis.growth_per_day",))
    heavy = np.array([0.7, 0.1, 0.1, 0.1])
    za = pd.DataFrame({"z0": [-1.0, 0.0, 1.0, 2.0]})
    zb = pd.DataFrame({"z0": [0.5, -0.5, 1.5, -1.5]})
    paths, particles = fit.combine([(a, History(za, heavy)), (b, History(zb, np.full(4, 0.25)))], 1000, 3)
    assert paths == ["militia.attack_rate_per_day", "isis.growth_per_day"]
    first = a.values(np.array([-1.0]))[0]
    assert abs(np.mean(particles[:, 0] == first) - 0.7) < 0.01  # systematic: within 1/size
    # Independent pairing: the two columns are uncorrelated.
    assert abs(np.corrcoef(particles[:, 0], particles[:, 1])[0, 1]) < 0.1
