"""Report layout helpers: end labels of the slope chart, the region profile's figures (hand-computed)."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers.reports.plots import spread_labels
from helpers.reports.profile import consecutive_pairs, per_capita_vs_nation


def test_spread_labels_moves_only_what_overlaps() -> None:
    # 0 and 0.1 are 0.1 apart, the gap is 1: each moves 0.45 away from the other; 5 stays
    assert spread_labels([0.0, 0.1, 5.0], 1.0) == pytest.approx([-0.45, 0.55, 5.0])


def test_spread_labels_equal_values() -> None:
    out = spread_labels([1.0, 1.0, 1.0], 1.0)
    s = sorted(out)
    assert s[1] - s[0] >= 1 - 1e-9 and s[2] - s[1] >= 1 - 1e-9
    assert sum(out) == pytest.approx(3.0)          # symmetric pushes keep the labels centred on the values
    assert out == sorted(out)                      # ties keep their order


def _dist(year: int, rows: list[tuple[str, str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame({"year": year, "group": "regions", "county_code": [r[0] for r in rows], "region": [r[1] for r in rows],
                         "amount_sek": [r[2] for r in rows], "key_population": pd.array([r[3] for r in rows], dtype="Int64"),
                         "key_share": 0.5, "estimate": False, "error_bound_sek": 0})


def test_per_capita_against_the_country() -> None:
    # A: 100 kr / 10 persons = 10 kr; the country: (100 + 300) kr / (10 + 20) persons = 13.33 kr; A is 25 % below
    d = {2020: _dist(2020, [("01", "A", 100, 10), ("03", "B", 300, 20)])}
    pc = per_capita_vs_nation(d, "01")
    assert pc.loc[0, "region_per_capita_sek"] == pytest.approx(10.0)
    assert pc.loc[0, "national_per_capita_sek_year"] == pytest.approx(400 / 30)
    assert pc.loc[0, "difference_pct"] == pytest.approx(-25.0)


def test_consecutive_pairs_skip_years_without_money() -> None:
    d = {y: _dist(y, [("01", "A", 1, 1)]) for y in (2017, 2019, 2021)}
    assert consecutive_pairs(d) == [(2017, 2019, "regions"), (2019, 2021, "regions")]
