"""The measurement model (sources kept apart) and the regional model, on data with a known answer."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from helpers.errors import DataError
from helpers.analyses.trends import (REGIONAL_COLUMNS, NotSeparable, check_regional_frame, collected_before, fit_measurement_model,
                            fit_regional_model, observation_dates, observations, regional_series_from_table)


def _two_sources(noise: float = 0.0) -> pd.DataFrame:
    # common trend logit = −0.5 + 0.1·(t − 2015); source B sits 0.4 logits above source A
    rng = np.random.default_rng(5)
    rows = []
    for src, off, years in (("A", 0.0, range(2010, 2021, 2)), ("B", 0.4, range(2011, 2020, 2))):
        for y in years:
            eta = -0.5 + 0.1 * (y - 2015) + off + rng.normal(0, noise)
            rows.append({"measure_type": src, "t": float(y), "value": float(expit(eta) * 100), "approximate": False})
    rows.append({"measure_type": "C", "t": 2016.0, "value": 70.0, "approximate": False})   # seen once
    return pd.DataFrame(rows)


def test_measurement_model_recovers_trend_and_offset_and_leaves_single_points_out() -> None:
    fit = fit_measurement_model(_two_sources(), "A")
    assert fit.sources == ["A", "B"] and fit.left_out == ["C"]
    p = fit.parameters().set_index(["term", "source"], drop=False)["posterior_mean"]
    assert list(fit.parameters()["term"]) == ["level", "slope", "offset", "noise", "noise"]
    assert p[("slope", None)] == pytest.approx(0.1, abs=0.01)
    assert p[("offset", "B")] == pytest.approx(0.4, abs=0.03)
    # at 2015 the reference level is expit(−0.5) = 0.3775: near-certain above 0.30, below 0.45
    assert fit.probability(2015.0, 0.30) > 0.99 and fit.probability(2015.0, 0.45) < 0.01
    # a new observation is noisier than the level: its probability is pulled toward ½ on both sides
    assert fit.probability(2015.0, 0.36, "observation") < fit.probability(2015.0, 0.36, "level")
    pred = fit.predict(np.array([2015.0]))
    assert pred["ci_low"].iloc[0] < 0.3775 < pred["ci_high"].iloc[0]
    assert pred["pi_low"].iloc[0] <= pred["ci_low"].iloc[0]


def test_measurement_model_refuses_what_it_cannot_separate() -> None:
    # B observed twice at the same time: its offset and the trend cannot be told apart from A's single point
    d = pd.DataFrame({"measure_type": ["A", "B", "B"], "t": [2020.0, 2021.0, 2021.0], "value": [30.0, 40.0, 41.0],
                      "approximate": [False] * 3})
    with pytest.raises(NotSeparable, match="cannot separate"):
        fit_measurement_model(d, "A")
    with pytest.raises(ValueError, match="reference source 'Z'"):
        fit_measurement_model(d, "Z")


def test_observation_dates_use_the_collection_date() -> None:
    panel = observation_dates(observations("share_with_regular_doctor_pc", "survey_panel"))
    # external-facts §2: published in October, collected in the year's first half → dated 30 June, not 31 Dec
    assert list(panel["date"].dt.strftime("%m-%d")) == ["06-30"] * 4
    assert list(panel["published"].dt.strftime("%Y-%m")) == ["2020-10", "2022-10", "2023-10", "2024-10"]
    # collected before the end of 2022: the 2020 and 2022 panels only
    assert list(collected_before(panel, pd.Timestamp("2022-12-31"))["value"]) == [40, 29]


def test_kolada_table_in_the_regional_shape() -> None:
    f = regional_series_from_table()
    assert list(f.columns) == REGIONAL_COLUMNS
    assert len(f) == 21 * 5                                    # 21 regions × (N79503 ×2, N79510, N79517, N79525)
    row = f[(f["county_code"] == "18") & (f["kpi"] == "N79517")].iloc[0]
    assert row["region"] == "Örebro" and np.isnan(row["value"]) and row["status"] == "Missing"
    sto = f[(f["county_code"] == "01") & (f["kpi"] == "N79503")].set_index("period")["value"]
    assert list(sto) == [85.2, 86.7]                           # external-facts §6, Stockholm (0001)


def test_regional_frame_errors_name_row_and_column() -> None:
    f = regional_series_from_table()
    bad = f.copy()
    bad.loc[3, "county_code"] = "99"
    with pytest.raises(DataError, match=r"row 4 .*column 'county_code'"):
        check_regional_frame(bad)
    bad = f.copy().astype({"value": object})
    bad.loc[0, "value"] = "n/a"
    with pytest.raises(DataError, match=r"row 1 .*column 'value'"):
        check_regional_frame(bad)
    with pytest.raises(DataError, match="missing column"):
        check_regional_frame(f.drop(columns="status"))


def test_regional_model_finds_the_common_change() -> None:
    # 6 regions, levels differ, every region +0.2 logit per year, two years apart; one missing value
    rows = []
    for i, (code, a) in enumerate(zip(["01", "03", "04", "05", "06", "07"], [1.0, 1.2, 1.4, 1.6, 1.8, 2.0])):
        for y, e in zip((2023, 2024, 2025), (0.01, -0.01, 0.005)):
            v = expit(a + 0.2 * (y - 2023) + e * (-1) ** i) * 100
            rows.append({"county_code": code, "region": code, "kpi": "K", "period": y,
                         "date": pd.Timestamp(f"{y}-10-01"), "value": v, "status": "", "source": "test"})
    frame = pd.DataFrame(rows)
    frame.loc[0, ["value", "status"]] = [np.nan, "Missing"]
    fit = fit_regional_model(frame, "K")
    s = fit.summary().set_index("quantity")
    assert s.loc["change_logit", "estimate"] == pytest.approx(0.2, abs=0.02)
    assert fit.dropped == 1 and fit.periods == [2023, 2024, 2025]
    with pytest.raises(ValueError, match="two or more regions"):
        fit_regional_model(frame[frame["period"] == 2023], "K")


def test_the_four_questions_on_the_record() -> None:
    from helpers.analyses.trends import ex_ante_view, path_against_observed, target, target_status, when_reached

    tgt = target("regular_doctor_share_55")
    st = target_status(tgt)
    assert int(st.reported["value"]) == 9 and len(st.absent) == 14                      # 7 published, 14 not
    obs = observations("share_with_regular_doctor_pc")
    obs = obs[obs["geography"] == "Riket"]
    panel = obs[obs["measure_type"] == "survey_panel"]
    table, path = path_against_observed(panel, pd.Timestamp("2021-01-01"), tgt["deadline"], 0.55)
    # 15 points over 2.502724 years: 5.9934 points a year, from 40 % collected by 30 June 2020
    assert path.baseline_value == 40 and path.baseline_basis == "collected"
    assert path.points_per_year == pytest.approx(15 / 2.502724, abs=1e-4)
    # baseline 40 % collected by 2020-06-30 (t = 2020.494536), deadline t = 2022.997260: 15 points over 2.502724
    # years; at 2022-06-30 (t = 2022.493151) the path stands at 40 + 15·1.998615/2.502724 = 51.9786
    assert table["required_pct"].iloc[1] == pytest.approx(51.9786, abs=1e-3)
    assert table["gap_points"].iloc[1] == pytest.approx(29 - 51.9786, abs=1e-3)
    assert table["required_pct"].iloc[-1] == pytest.approx(55)                                  # after the deadline: the target
    ea = ex_ante_view(obs, "survey_panel", tgt["deadline"], 0.55)
    assert len(ea.used) == 4 and ea.p_level is not None and ea.p_observation is not None
    assert ea.p_level < ea.p_observation < 0.05            # far below the target: the noisier estimand is nearer ½
    sabo = observations("share_with_regular_doctor_sabo")
    ea = ex_ante_view(sabo, "municipal_survey", tgt["deadline"], 0.8)   # one SKR survey value (93 %, 2022)
    assert ea.fit is None and ea.outcome == "too_few" and ea.n_reference == 1
    reach = when_reached(sabo, "municipal_survey", 0.8, horizon=2030.0)
    assert reach.fit is None and reach.outcome == "too_few"
    table, path = path_against_observed(sabo, pd.Timestamp("2021-01-01"), tgt["deadline"], 0.8)
    assert table.empty and path is None                   # collected January 2022: no value before the agreement's year
