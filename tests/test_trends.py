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


def test_status_of_the_55_target_as_facts() -> None:
    from helpers.analyses.trends import target_status

    st = target_status(target("regular_doctor_share_55"))
    # external-facts: 7 regions published (4 at or above 55 %: VG 96, Dalarna 79, Västmanland 78, Skåne 77),
    # 9 of 21 reported nationally by end of 2022; the 14 others not published, in county-code order
    assert len(st.regional) == 7 and int(st.regional["met"].sum()) == 4 and st.threshold_pct == 55
    assert int(st.reported["value"]) == 9
    assert len(st.absent) == 14 and list(st.absent)[:3] == ["01", "03", "04"] and st.absent["09"] == "Gotland"


# --- standard errors, predictions and probabilities against hand-computed values -------------------

def _glm_fixture():
    # t = −1, 0, 1 (mean 0), 1 000 trials each. Successes 410, 480, 610 = 1000·(0.4, 0.5, 0.6) + (10, −20, 10):
    # the deviations sum to 0 and are orthogonal to t, so the binomial MLE is exactly μ = 0.4, 0.5, 0.6,
    # i.e. a = logit(0.5) = 0, b = logit(0.6) = ln 1.5 = 0.405465.
    t = np.array([-1.0, 0.0, 1.0])
    return fit_binomial_trend(t, np.array([410, 480, 610]), np.full(3, 1000))


def test_binomial_trend_uses_pearson_chi2_over_df_with_the_trials() -> None:
    fit = _glm_fixture()
    assert fit.result.params[0] == pytest.approx(0.0, abs=1e-8)
    assert fit.result.params[1] == pytest.approx(np.log(1.5), abs=1e-8)
    # Pearson X² = Σ r²/(m μ(1−μ)) = 100/240 + 400/250 + 100/240 = 2.433333; df = 3 − 2 = 1
    assert fit.result.scale == pytest.approx(2.433333, rel=1e-5)
    # cov = φ (X'WX)⁻¹, W = m μ(1−μ) = 240, 250, 240: X'WX = diag(730, 480)
    # se(a) = √(2.433333/730) = 0.057735, se(b) = √(2.433333/480) = 0.071200
    assert fit.result.bse[0] == pytest.approx(0.057735, rel=1e-4)
    assert fit.result.bse[1] == pytest.approx(0.071200, rel=1e-4)


def test_binomial_scale_matches_the_issue_example() -> None:
    # 4 points × 2 000 trials with overdispersion: the scale must be of order 1, not of order 1/2 000.
    t = np.array([0.0, 1.0, 2.0, 3.0])
    succ = np.array([800, 860, 930, 960])
    fit = fit_binomial_trend(t, succ, np.full(4, 2000))
    mu = fit.result.fittedvalues
    # hand formula of the Pearson χ²/df, evaluated at the fitted values
    x2 = np.sum(2000 * (succ / 2000 - mu) ** 2 / (mu * (1 - mu))) / 2
    assert fit.result.scale == pytest.approx(x2)
    assert fit.result.scale > 0.1


def test_glm_prediction_is_on_the_share_scale() -> None:
    pred = _glm_fixture().predict(np.array([-1.0, 0.0, 1.0]))
    # the fitted shares are 0.4, 0.5, 0.6 (a double inverse logit would give expit(0.4) = 0.599)
    assert list(pred["mean"].round(6)) == [0.4, 0.5, 0.6]
    # 95 % CI at t = 0: 0 ± t(0.975, 1)·0.057735 = ±12.7062·0.057735 = ±0.733594 → expit = 0.324413 … 0.675587
    assert pred["ci_low"].iloc[1] == pytest.approx(0.324413, abs=1e-5)
    assert pred["ci_high"].iloc[1] == pytest.approx(0.675587, abs=1e-5)


def _wls_fixture():
    # logit shares −0.4, −0.2, 0.6 at t = −1, 0, 1: OLS a = 0, b = (0.4 + 0.6)/2 = 0.5, residuals 0.1, −0.2, 0.1,
    # RSS = 0.06, df = 1, s² = 0.06; at t = 1: η = 0.5, Var(η̂) = s²(1/3 + 1/2) = 0.05
    t = np.array([-1.0, 0.0, 1.0])
    return fit_logit_trend(t, expit(np.array([-0.4, -0.2, 0.6])))


def test_wls_standard_errors() -> None:
    fit = _wls_fixture()
    assert fit.result.bse[0] == pytest.approx(np.sqrt(0.06 / 3))   # 0.141421
    assert fit.result.bse[1] == pytest.approx(np.sqrt(0.06 / 2))   # 0.173205


def test_probability_uses_t_with_residual_df_and_one_estimand() -> None:
    fit = _wls_fixture()
    # t with 1 df is the Cauchy: F(x) = 1/2 + arctan(x)/π.
    # level: x = (0 − 0.5)/√0.05 = −2.236068, F = 0.5 + arctan(−2.236068)/π = 0.133860 → P = 0.866140
    assert probability_of_reaching(fit, 1.0, 0.5, estimand="level") == pytest.approx(0.866140, abs=1e-5)
    # new observation: se = √(0.05 + 0.06) = 0.331662, x = −1.507557, F = 0.186429 → P = 0.813571
    assert probability_of_reaching(fit, 1.0, 0.5, estimand="observation") == pytest.approx(0.813571, abs=1e-5)
    # the same estimand and formula in the GLM branch: η = ln 1.5 = 0.405465 at t = 1,
    # se = √(2.433333·(1/730 + 1/480)) = 0.091667, x = −4.423256, F = 0.070773 → P = 0.929227
    glm = _glm_fixture()
    assert probability_of_reaching(glm, 1.0, 0.5, estimand="level") == pytest.approx(0.929227, abs=1e-5)
    # a new observation adds φ/(m μ(1−μ)) = 2.433333/240 on the logit scale: the probability falls
    assert probability_of_reaching(glm, 1.0, 0.5, estimand="observation") < 0.929227
    with pytest.raises(ValueError, match="estimand"):
        probability_of_reaching(fit, 1.0, 0.5, estimand="forecast")


def test_time_reaching() -> None:
    from helpers.analyses.trends import time_reaching

    # logit 0 at t0 = 2020, slope 0.5/year: reaches expit(1) at 2022.0, not at all if falling
    assert time_reaching(0.0, 0.5, 2020.0, float(expit(1.0)), start=2020.0, horizon=2030.0) == pytest.approx(2022.0)
    assert time_reaching(0.0, -0.5, 2020.0, float(expit(1.0)), start=2020.0, horizon=2030.0) is None
    assert time_reaching(0.0, 0.5, 2020.0, float(expit(1.0)), start=2020.0, horizon=2021.5) is None
