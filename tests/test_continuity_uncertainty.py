"""Missing times, exclusions by rule, bootstrap intervals of the change, visit-count sensitivity."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.analyses.continuity import (Options, VisitDataError, bootstrap_change, eligibility_flow, index_vs_visit_count,
                                patient_indices, standardised_means)


def _frame(times: list[object]) -> pd.DataFrame:
    return pd.DataFrame({"patient_id": [1, 1, 2, 2], "provider_id": [1, 2, 1, 1], "visit_time": times})


@pytest.mark.parametrize("kind", ["timestamp", "string", "object"])
def test_missing_visit_time_is_an_error_in_every_column_type(kind: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    t = pd.to_datetime(["2022-01-01", "2022-01-02", None, None])   # rows 3 and 4 have no time
    col = {"timestamp": t, "string": t.strftime("%Y-%m-%d").fillna(""),
           "object": pd.Series(t, dtype=object).where(pd.notna(t), None)}[kind]
    with pytest.raises(VisitDataError, match=r"2 visit\(s\) without visit_time \(first at row 3\)"):
        patient_indices(_frame(list(col)) if kind != "timestamp" else _frame(col))
    if kind == "timestamp":
        p = tmp_path / "v.parquet"
        _frame(col).to_parquet(p)
        with pytest.raises(VisitDataError, match=r"v.parquet: 2 visit\(s\) without visit_time \(first at row 3\)"):
            patient_indices(p)


def test_eligibility_flow_counts_each_rule() -> None:
    # 6 patients; window 2022-01-01 … 2022-12-31 (12 months)
    rows = [  # patient, provider, time, profession, unit, listed_unit
        (1, "a", "2021-06-01", "doctor", 1, 1),                                        # outside the window
        (2, "n", "2022-02-01", "nurse", 1, 1),                                         # no doctor visit
        (3, "a", "2022-02-01", "doctor", 1, None),                                     # not listed
        (4, "a", "2022-02-01", "doctor", 2, 1),                                        # only at another unit
        (5, "a", "2022-02-01", "doctor", 1, 1), (5, "a", "2022-03-01", "doctor", 1, 1),  # 2 visits: too few
        (6, "a", "2022-02-01", "doctor", 1, 1), (6, "b", "2022-03-01", "doctor", 1, 1),
        (6, "a", "2022-04-01", "doctor", 1, 1), (6, "a", "2022-04-01", "doctor", 1, 1),  # a duplicate: 3 counted
    ]
    v = pd.DataFrame(rows, columns=["patient_id", "provider_id", "visit_time", "profession", "unit", "listed_unit"])
    v["visit_time"] = pd.to_datetime(v["visit_time"])
    v["listed_unit"] = v["listed_unit"].astype("Int64")
    o = Options(window_end="2022-12-31", window_months=12, min_visits=3, professions=("doctor",), listed_only=True,
                listed_unit_only=True)
    f = eligibility_flow(v, o)
    assert list(f["rule"]) == ["extract", "window", "profession", "listed", "listed_unit", "min_visits"]
    assert list(f["patients_left"]) == [6, 5, 4, 3, 2, 1]
    assert list(f["excluded"]) == [0, 1, 1, 1, 1, 1]
    assert f["excluded_share"].iloc[-1] == pytest.approx(1 / 6)


def _windows() -> tuple[pd.DataFrame, pd.DataFrame]:
    # region A: every patient 0.50 → 0.65 (+30 %); region B: 0.50 → 0.55 (+10 %);
    # region C: baseline 0.5 for both patients, current 0 and 1
    base = pd.DataFrame({"patient_id": [1, 2, 3, 4, 5, 6], "region": list("AABBCC"), "coc": [0.5] * 6})
    cur = pd.DataFrame({"patient_id": [1, 2, 3, 4, 5, 6], "region": list("AABBCC"),
                        "coc": [0.65, 0.65, 0.55, 0.55, 0.0, 1.0]})
    return base, cur


def test_bootstrap_change_without_and_with_spread() -> None:
    base, cur = _windows()
    out = bootstrap_change(base, cur, replicates=2000, seed=3).set_index("region")
    # no spread within A and B: every replicate gives the point change
    assert out.loc["A", "change_pct"] == pytest.approx(30.0)
    assert out.loc["A", ["change_low_pct", "change_high_pct"]].tolist() == pytest.approx([30.0, 30.0])
    assert out.loc["A", "p_reach_increase"] == 1.0 and out.loc["B", "p_reach_increase"] == 0.0
    # C: the current mean of two draws from {0, 1} is 1 with probability 1/4 (both draws 1) → change +100 %;
    # otherwise 0 or 0.5 → −100 % or 0 %: P(≥ +20 %) = 0.25 (binomial sd over 2000 replicates: 0.0097)
    assert out.loc["C", "p_reach_increase"] == pytest.approx(0.25, abs=0.04)
    assert out.loc["C", "change_low_pct"] == pytest.approx(-100) and out.loc["C", "change_high_pct"] == pytest.approx(100)
    assert bool(out.loc["A", "met_point_estimate"]) and not bool(out.loc["C", "met_point_estimate"])


def test_bootstrap_keeps_patients_paired_across_windows() -> None:
    # both windows hold the same two patients, 0.2 → 0.4 and 0.6 → 0.8: the ratio of means is
    # (0.4 + 0.8)/(0.2 + 0.6) − 1 = +50 %; a draw of patient 1 twice gives 0.4/0.2 − 1 = +100 %,
    # patient 2 twice 0.8/0.6 − 1 = +33.3 %: every paired replicate is ≥ +20 %
    base = pd.DataFrame({"patient_id": [1, 2], "region": ["A", "A"], "coc": [0.2, 0.6]})
    cur = pd.DataFrame({"patient_id": [1, 2], "region": ["A", "A"], "coc": [0.4, 0.8]})
    out = bootstrap_change(base, cur, replicates=500)
    assert out["change_pct"].iloc[0] == pytest.approx(50.0)
    assert out["p_reach_increase"].iloc[0] == 1.0     # unpaired resampling would give 0.6 → 0.4 (−33 %) sometimes


def test_coc_does_not_move_with_the_number_of_visits_but_hhi_does() -> None:
    # shares 0.6, 0.3, 0.1: Σp² = 0.36 + 0.09 + 0.01 = 0.46
    d = index_vs_visit_count([0.6, 0.3, 0.1], [3, 20], patients=40_000, seed=2).set_index("n_visits")
    assert d.loc[3, "coc"] == pytest.approx(0.46, abs=0.005) and d.loc[20, "coc"] == pytest.approx(0.46, abs=0.005)
    # E[HHI] = Σp² + (1 − Σp²)/N: N = 3 → 0.46 + 0.54/3 = 0.64; N = 20 → 0.46 + 0.027 = 0.487
    assert d.loc[3, "hhi"] == pytest.approx(0.64, abs=0.005) and d.loc[20, "hhi"] == pytest.approx(0.487, abs=0.005)
    with pytest.raises(ValueError, match="add up to 1"):
        index_vs_visit_count([0.5, 0.4], [3])


def test_direct_standardisation_removes_a_visit_mix_difference() -> None:
    # A: one patient with 3 visits (coc 0.2), three with 10 (0.8); B: three with 3 (0.2), one with 10 (0.8)
    d = pd.DataFrame({"region": list("AAAABBBB"), "n_visits": [3, 10, 10, 10, 3, 3, 3, 10],
                      "coc": [0.2, 0.8, 0.8, 0.8, 0.2, 0.2, 0.2, 0.8]})
    out = standardised_means(d).set_index("region")
    # crude A = (0.2 + 2.4)/4 = 0.65, B = (0.6 + 0.8)/4 = 0.35; reference weights 4/8 and 4/8 → both 0.5
    assert out.loc["A", "coc_crude"] == pytest.approx(0.65) and out.loc["B", "coc_crude"] == pytest.approx(0.35)
    assert out["coc_standardised"].tolist() == pytest.approx([0.5, 0.5])


def test_bootstrap_point_means_equal_the_region_aggregates() -> None:
    from helpers.analyses.continuity import aggregate_indices, patient_indices_by
    from helpers.analyses.synthetic import generate_visits

    v = generate_visits(3000, seed=4, start="2020-01-01", end="2022-12-31")
    o = Options(window_end="2022-12-31", min_visits=3)
    ob = Options(window_end="2021-06-30", min_visits=3)
    out = bootstrap_change(patient_indices_by(v, "region", ob), patient_indices_by(v, "region", o), replicates=5)
    agg = aggregate_indices(v, ["region"], o).astype({"region": str}).set_index("region")
    cur = out.set_index("region")["coc_current"]
    assert cur.to_numpy() == pytest.approx(agg.loc[cur.index, "coc"].to_numpy())


def test_generator_rate_is_per_person_year_and_units_are_realistic() -> None:
    from helpers.analyses.synthetic import generate_visits, shape_summary

    # 3 contacts a person-year: 12 months → about 3, 36 months → about 9 per person drawn (not the same total)
    one = generate_visits(30_000, seed=2, start="2022-01-01", end="2022-12-31", visits_per_person_year=3.0)
    three = generate_visits(30_000, seed=2, start="2020-01-01", end="2022-12-31", visits_per_person_year=3.0)
    assert len(one) / 30_000 == pytest.approx(3.0, rel=0.05)
    assert len(three) / 30_000 == pytest.approx(9.0, rel=0.05)
    # 60 000 people, units of ~2 000: Stockholm (about 23 % of the population) gets about 7 units of ~2 000
    big = generate_visits(60_000, seed=3, start="2022-01-01", end="2022-12-31")
    sto = big[big["region"] == "Stockholm"].dropna(subset=["listed_unit"])
    assert sto["listed_unit"].nunique() in range(5, 9)
    s = shape_summary(big, 60_000, "2022-01-01", "2022-12-31").set_index("shape")["value"]
    assert s["same_day_share"] == pytest.approx(0.08 / 1.08, abs=0.01)
    assert s["doctor_ids_per_post"] > 1.0     # posts change holder
    assert big["synthetic"].all() and big.attrs["synthetic"]


def test_typical_provider_shares() -> None:
    from helpers.analyses.continuity import typical_provider_shares

    # patient 1: A A B → shares 2/3, 1/3; patient 2: C C C → 1; patient 3 has 2 visits: not eligible
    v = pd.DataFrame({"patient_id": [1, 1, 1, 2, 2, 2, 3, 3], "provider_id": list("AABCCCDE"),
                      "visit_time": pd.to_datetime(["2022-01-01", "2022-01-02", "2022-01-03", "2022-01-01",
                                                    "2022-01-02", "2022-01-03", "2022-01-01", "2022-01-02"])})
    # first provider (2/3 + 1)/2 = 5/6, second (1/3 + 0)/2 = 1/6
    assert typical_provider_shares(v, Options(min_visits=3)) == pytest.approx([5 / 6, 1 / 6])


def test_partitioned_parquet_by_patient_gives_the_same_indices(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from helpers.analyses.synthetic import generate_visits

    v = generate_visits(2000, seed=5, start="2022-01-01", end="2022-12-31")
    whole = patient_indices(v).sort_values("patient_id").reset_index(drop=True)
    # three files with disjoint patient ranges: computed in batches of files
    cuts = [0, 600, 1300, v["patient_id"].max() + 1]
    for i, (a, b) in enumerate(zip(cuts, cuts[1:])):
        v[(v["patient_id"] > a) & (v["patient_id"] <= b)].to_parquet(tmp_path / f"part-{i}.parquet")
    parts = patient_indices(str(tmp_path / "*.parquet")).sort_values("patient_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(parts, whole)
    # overlapping files (every other row in each): one query over all files, still right
    over = tmp_path / "over"
    over.mkdir()
    v.iloc[::2].to_parquet(over / "a.parquet")
    v.iloc[1::2].to_parquet(over / "b.parquet")
    both = patient_indices(str(over / "*.parquet")).sort_values("patient_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(both, whole)
    # a missing time in the second file is named with that file and its row
    bad = v[(v["patient_id"] > 600) & (v["patient_id"] <= 1300)].reset_index(drop=True)
    bad.loc[4, "visit_time"] = pd.NaT
    bad.to_parquet(tmp_path / "part-1.parquet")
    with pytest.raises(VisitDataError, match=r"part-1.parquet: 1 visit\(s\) without visit_time \(first at row 5\)"):
        patient_indices(str(tmp_path / "*.parquet"))


def test_small_sample_units_are_staffed_as_full_units() -> None:
    from helpers.analyses.synthetic import generate_visits

    # 2 000 people: Gotland's unit lists a few dozen of them, yet has the doctors of a ~2 000-list unit
    # (3 posts expected), so continuity there is not 1 by construction
    v = generate_visits(2000, seed=1, start="2022-01-01", end="2022-12-31", turnover_per_year=0.0)
    doctors = v[(v["profession"] == "doctor")].groupby("unit")["provider_id"].nunique()
    assert doctors.median() >= 2
