"""Trend models on data constructed so that the right answer is known."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from helpers.analyses.trends import (decimal_year, fit_binomial_trend, fit_hierarchical, fit_logit_trend,
                            observations, probability_of_reaching, regions_against_target, required_path, target)


def test_logit_trend_recovers_an_exact_logistic_line() -> None:
    t = np.array([2019.0, 2020.0, 2021.0, 2022.0])
    share = expit(-0.5 + 0.25 * (t - 2020.5))
    fit = fit_logit_trend(t, share)
    assert fit.result.params[0] == pytest.approx(-0.5)
    assert fit.result.params[1] == pytest.approx(0.25)
    assert fit.predict(np.array([2023.5]))["mean"].iloc[0] == pytest.approx(expit(-0.5 + 0.25 * 3))


def test_probability_is_near_certain_far_from_the_threshold() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(2015.0, 2023.0)
    share = expit(0.1 * (t - 2019) + rng.normal(0, 0.02, len(t)))   # about 50 %, rising slowly
    fit = fit_logit_trend(t, share)
    assert probability_of_reaching(fit, 2023.0, 0.20) > 0.99
    assert probability_of_reaching(fit, 2023.0, 0.95) < 0.01


def test_too_few_points_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        fit_logit_trend(np.array([2020.0, 2022.0]), np.array([0.4, 0.29]))


def test_binomial_glm_with_counts() -> None:
    t = np.array([0.0, 1.0, 2.0, 3.0])
    trials = np.full(4, 1_000_000)
    successes = np.round(trials * expit(-1 + 0.5 * t))
    fit = fit_binomial_trend(t, successes, trials)
    # the model centres time at its mean (1.5): intercept −1 + 0.5·1.5 = −0.25
    assert fit.result.params[0] == pytest.approx(-0.25, abs=1e-3)
    assert fit.result.params[1] == pytest.approx(0.5, abs=1e-3)


def test_hierarchical_model_finds_the_common_slope() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for region, a in zip("ABCDEF", [-1.0, -0.5, 0.0, 0.3, 0.6, 1.0]):
        for t in range(2018, 2023):
            rows.append({"region": region, "t": float(t), "share": float(expit(a + 0.2 * (t - 2020) + rng.normal(0, 0.01)))})
    res = fit_hierarchical(pd.DataFrame(rows))
    assert res.params["tc"] == pytest.approx(0.2, abs=0.01)
    with pytest.raises(ValueError, match="two or more regions"):
        fit_hierarchical(pd.DataFrame(rows[:5]))


def test_observations_keep_measures_apart() -> None:
    panel = observations("share_with_regular_doctor_pc", "survey_panel")
    assert list(panel["value"]) == [40, 29, 30, 30]                  # Vårdanalys 2020, 2022, 2023, 2024
    assert set(observations("share_with_regular_doctor_pc")["measure_type"]) == {"survey_panel", "survey_population"}


def test_regions_against_55() -> None:
    r = regions_against_target("share_with_named_regular_doctor_pc", 55).set_index("geography")
    assert r.loc["Västra Götaland", "met"] and r.loc["Skåne", "met"]
    assert not r.loc["Blekinge", "met"] and not r.loc["Kronoberg", "met"]
    assert int(r["met"].sum()) == 4


def test_target_and_path() -> None:
    assert float(target("regular_doctor_share_55")["value"]) == 55
    assert required_path(2021.0, 0.40, 2023.0, 0.55, np.array([2022.0]))[0] == pytest.approx(0.475)
    assert decimal_year(pd.Series(pd.to_datetime(["2022-01-01"]))).iloc[0] == 2022.0


def test_sparse_series_is_reported_not_fitted() -> None:
    from helpers.analyses.trends import analyse_series

    obs = observations("share_with_regular_doctor_sabo", "municipal_survey")
    rep = analyse_series(obs, target("regular_doctor_share_sabo_80"), 2022.997)
    assert rep.fit is None and rep.probability is None and "No trend is fitted" in rep.message
    assert rep.threshold == 0.8


def test_regional_findings_for_the_55_target() -> None:
    from helpers.analyses.trends import regional_findings

    regional, lines = regional_findings(target("regular_doctor_share_55"))
    assert len(regional) == 7
    assert any("9 of 21" in l for l in lines) and any("No hierarchical model" in l for l in lines)
