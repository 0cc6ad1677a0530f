"""Continuity indices on small hand-computed visit sequences, the SKR rules, and bad input."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.analyses.continuity import (Options, VisitDataError, aggregate_indices, patient_indices,
                                patient_indices_pandas, skr_options, target_table)
from helpers.analyses.synthetic import generate_visits


def _visits(rows: list[tuple[object, object, str]], **extra: list[object]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["patient_id", "provider_id", "visit_time"])
    df["visit_time"] = pd.to_datetime(df["visit_time"], format="mixed")
    for k, v in extra.items():
        df[k] = v
    return df


def _row(out: pd.DataFrame, pid: object) -> pd.Series:
    return out.set_index("patient_id").loc[pid]


def test_hand_computed_sequence() -> None:
    # patient 1: A A B A  → N=4, n_A=3, n_B=1, M=2
    out = patient_indices(_visits([(1, "A", "2022-01-03"), (1, "A", "2022-02-01"), (1, "B", "2022-03-01"),
                                   (1, "A", "2022-04-01")]))
    r = _row(out, 1)
    assert (r["n_visits"], r["n_providers"]) == (4, 2)
    assert r["coc"] == pytest.approx((9 + 1 - 4) / (4 * 3))          # 0.5
    assert r["upc"] == pytest.approx(3 / 4)
    assert r["secon"] == pytest.approx(1 / 3)                         # A→A, A→B, B→A
    assert r["mmci"] == pytest.approx((1 - 2 / 4.1) / (1 - 1 / 4.1))  # 0.677419…
    assert r["hhi"] == pytest.approx(10 / 16)


def test_one_visit_patient_has_missing_not_zero() -> None:
    r = _row(patient_indices(_visits([(7, "A", "2022-01-01")])), 7)
    assert math.isnan(r["coc"]) and math.isnan(r["secon"])
    assert r["upc"] == 1 and r["hhi"] == 1 and r["mmci"] == pytest.approx(1.0)


def test_all_different_providers() -> None:
    r = _row(patient_indices(_visits([(1, "A", "2022-01-01"), (1, "B", "2022-01-02"), (1, "C", "2022-01-03")])), 1)
    assert r["coc"] == 0 and r["secon"] == 0
    assert r["upc"] == pytest.approx(1 / 3) and r["hhi"] == pytest.approx(1 / 3)
    assert r["mmci"] == pytest.approx((1 - 3 / 3.1) / (1 - 1 / 3.1))


def test_same_time_visits_are_ordered_by_provider() -> None:
    # B and A at the same time, then A: order A(t1) B(t1) A(t2) → no consecutive pair is the same
    same_time = _visits([(1, "B", "2022-01-01 10:00"), (1, "A", "2022-01-01 10:00"), (1, "A", "2022-01-02")])
    assert _row(patient_indices(same_time), 1)["secon"] == 0
    # whatever the input order, the answer is the same
    assert _row(patient_indices(same_time.iloc[::-1].reset_index(drop=True)), 1)["secon"] == 0
    # ties in UPC: A twice, B twice → max n_j / N = 1/2
    tie = _visits([(2, "A", "2022-01-01"), (2, "B", "2022-01-02"), (2, "A", "2022-01-03"), (2, "B", "2022-01-04")])
    r = _row(patient_indices(tie), 2)
    assert r["upc"] == 0.5 and r["coc"] == pytest.approx((4 + 4 - 4) / 12) and r["secon"] == 0


def test_same_day_visits_count_separately() -> None:
    r = _row(patient_indices(_visits([(1, "A", "2022-01-01 08:00"), (1, "A", "2022-01-01 15:00")])), 1)
    assert r["n_visits"] == 2 and r["coc"] == 1 and r["secon"] == 1


def test_duplicated_visits_are_dropped_and_counted() -> None:
    v = _visits([(1, "A", "2022-01-01"), (1, "A", "2022-01-01"), (1, "B", "2022-02-01")])
    out = patient_indices(v)
    assert _row(out, 1)["n_visits"] == 2
    assert out.attrs["input_report"]["duplicates_dropped"] == 1


def test_skr_rules_window_listing_unit_profession_minimum() -> None:
    rows = [
        (1, "A", "2022-12-01"), (1, "A", "2022-11-01"), (1, "A", "2022-10-01"), (1, "B", "2021-01-01"),  # B outside 18 months
        (2, "A", "2022-12-01"), (2, "C", "2022-11-01"),                        # only 2 visits: not eligible
        (3, "A", "2022-12-01"), (3, "A", "2022-11-01"), (3, "A", "2022-10-01"),  # not listed
        (4, "A", "2022-12-01"), (4, "D", "2022-11-01"), (4, "A", "2022-10-01"), (4, "E", "2022-09-01"),
    ]
    prof = ["doctor"] * 13
    prof[12] = "nurse"                                                           # patient 4's E is a nurse
    unit = [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 20, 10, 10]                   # patient 4's D is at another unit
    listed = [10, 10, 10, 10, 10, 10, None, None, None, 10, 10, 10, 10]
    v = _visits(rows, profession=prof, unit=unit, listed_unit=listed)
    out = patient_indices(v, skr_options("2022-12-31"))
    assert list(out["patient_id"].sort_values()) == [1]                          # patient 4 has 2 counted visits
    assert _row(out, 1)["coc"] == 1
    assert out.attrs["input_report"]["patients_below_min_visits"] == 2
    all_prof = patient_indices(v, skr_options("2022-12-31", doctors_only=False))
    assert sorted(all_prof["patient_id"]) == [1, 4]
    assert _row(all_prof, 4)["coc"] == pytest.approx((4 + 1 - 3) / 6)            # A, A, E


@pytest.mark.parametrize("frame, message", [
    (_visits([(1, "A", "2022-01-01"), (None, "A", "2022-01-02")]), "1 visit(s) without patient_id"),
    (_visits([(1, None, "2022-01-01")]), "without provider_id"),
    (pd.DataFrame({"patient_id": [1, 1], "provider_id": ["A", "A"], "visit_time": ["2022-01-01", "last tuesday"]}),
     "cannot be read as a date/time (first at row 2: 'last tuesday')"),
    (_visits([]), "has no visits"),
    (pd.DataFrame({"patient_id": [1], "visit_time": ["2022-01-01"]}), "missing column(s) provider_id"),
])
def test_bad_input_is_a_clear_error(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(VisitDataError) as exc:
        patient_indices(frame)
    assert message in str(exc.value)


def test_nothing_left_after_filters() -> None:
    with pytest.raises(VisitDataError, match="no visits are left"):
        patient_indices(_visits([(1, "A", "2010-01-01")]), Options(window_end="2022-12-31"))


def test_duckdb_and_pandas_agree_on_synthetic_data() -> None:
    v = generate_visits(3_000, seed=7)
    a = patient_indices(v).sort_values("patient_id").reset_index(drop=True)
    b = patient_indices_pandas(v).sort_values("patient_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_reads_parquet_and_csv(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from helpers.analyses.synthetic import write_parquet

    v = generate_visits(500, seed=3)
    pq = write_parquet(v, tmp_path / "v.parquet")
    csv = tmp_path / "v.csv"
    v.to_csv(csv, index=False)
    a = patient_indices(pq).sort_values("patient_id").reset_index(drop=True)
    b = patient_indices(csv).sort_values("patient_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert len(a) == v["patient_id"].nunique()


def test_aggregation_and_target() -> None:
    v = _visits([(1, "A", "2022-01-01"), (1, "A", "2022-02-01"), (2, "A", "2022-01-01"), (2, "B", "2022-02-01"),
                 (3, "C", "2022-01-01"), (3, "C", "2022-03-01")], region=["X", "X", "X", "X", "Y", "Y"])
    agg = aggregate_indices(v, by=["region"]).set_index("region")
    assert agg.loc["X", "patients"] == 2 and agg.loc["X", "coc"] == pytest.approx(0.5)   # mean of 1 and 0
    assert agg.loc["Y", "coc"] == 1
    base = pd.DataFrame({"region": ["X", "Y"], "coc": [0.5, 0.5], "patients": [10, 10]})
    cur = pd.DataFrame({"region": ["X", "Y"], "coc": [0.55, 0.61], "patients": [10, 10]})
    t = target_table(base, cur).set_index("region")
    assert t.loc["X", "target"] == pytest.approx(0.6) and not t.loc["X", "met"] and t.loc["Y", "met"]
    assert t.loc["X", "share_of_required_increase"] == pytest.approx(0.5)


def test_synthetic_data_says_it_is_synthetic(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pyarrow.parquet as pq

    from helpers.analyses.synthetic import write_parquet

    v = generate_visits(200, seed=1)
    assert v["synthetic"].all()
    assert pq.read_schema(write_parquet(v, tmp_path / "s.parquet")).metadata[b"synthetic"] == b"true"
    assert generate_visits(200, seed=1).equals(v)          # seeded: the same data every time


def test_options_are_checked_and_quoted() -> None:
    v = _visits([(1, "A", "2022-01-01"), (1, "A", "2022-02-01")], profession=["o'doctor", "o'doctor"])
    with pytest.raises(VisitDataError, match="window_end 'end of 2022' is not a date"):
        patient_indices(v, Options(window_end="end of 2022"))
    out = patient_indices(v, Options(professions=("o'doctor",)))
    assert _row(out, 1)["n_visits"] == 2


def test_window_is_the_18_months_ending_on_window_end() -> None:
    v = _visits([(1, "A", "2021-06-30 23:59"), (1, "A", "2021-07-01 00:00"), (1, "B", "2022-12-31 23:59"),
                 (1, "B", "2023-01-01 00:00")])
    out = patient_indices(v, Options(window_end="2022-12-31", window_months=18))
    # counted: 2021-07-01 and 2022-12-31 (the window is 1 Jul 2021 – 31 Dec 2022 inclusive)
    assert _row(out, 1)["n_visits"] == 2


def test_times_are_windowed_in_swedish_local_time_in_every_column_type(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """1 July 2021 00:30 in Stockholm is 30 June 22:30 UTC: it lies inside a window that starts on 1 July."""
    import pandas as pd

    opts = Options(window_end="2022-12-31", window_months=18)
    zoned = pd.DataFrame({"patient_id": [1, 1], "provider_id": ["A", "A"],
                          "visit_time": pd.to_datetime(["2021-06-30 22:30", "2022-06-01 10:00"]).tz_localize("UTC")})
    assert _row(patient_indices(zoned, opts), 1)["n_visits"] == 2
    # the same instants as text with an offset, as naive text (Swedish local), and from a CSV file
    text = zoned.assign(visit_time=["2021-06-30T22:30:00Z", "2022-06-01T12:00:00+02:00"])
    assert _row(patient_indices(text, opts), 1)["n_visits"] == 2
    naive = zoned.assign(visit_time=["2021-06-30 23:59", "2022-06-01 12:00"])   # 30 June local: outside
    assert _row(patient_indices(naive, opts), 1)["n_visits"] == 1
    csv = tmp_path / "visits.csv"
    text.to_csv(csv, index=False)
    assert _row(patient_indices(str(csv), opts), 1)["n_visits"] == 2


def test_a_relative_visit_source_is_resolved_against_the_project_root() -> None:
    from helpers.analyses.continuity import resolve_source
    from helpers.paths import ROOT

    assert resolve_source("data/visits/extract.parquet") == str(ROOT / "data" / "visits" / "extract.parquet")
    assert resolve_source("/srv/extract.parquet") == "/srv/extract.parquet"
