"""Bounds for an estimated key (helpers.analyses.keybounds): the back-test on printed figures, hand-computed cases."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers.analyses.keybounds import (amount_bounds, backtest_interpolation, interpolate_key,
                               interpolation_geometry_ratio, key_bounds,
                               measured_gaps, month_end_instant, partial_series_estimate,
                               stock_instant)
from helpers.record.record import load_table, load_total
from helpers.analyses.keys import population_key
from helpers.record.record import load_record

DEC_2018 = stock_instant("2018-12-31")            # the 31 Dec stock is the count at 00:00 on 1 Jan 2019
NOV_2019 = pd.Timestamp("2019-11-01")
NOV_2020 = pd.Timestamp("2020-11-01")


def _key(table: str) -> pd.Series:
    return load_table(table).set_index("county_code")["population"].astype("int64")


def _dec_2018() -> pd.Series:
    return population_key(load_record(), "2018-12-31").frame.set_index("county_code")["population"].astype("int64")


def test_instants() -> None:
    assert stock_instant("2018-12-31") == pd.Timestamp("2019-01-01")
    assert month_end_instant("2018M10") == pd.Timestamp("2018-11-01")
    assert month_end_instant("2018M12") == pd.Timestamp("2019-01-01")
    with pytest.raises(ValueError, match="not an SCB month"):
        month_end_instant("2018-10")


def test_backtest_of_the_interpolation_on_the_printed_1_november_2019_key() -> None:
    # Estimate the key of 1 Nov 2019 (printed, 2020 Bilaga 2) from the 31 Dec 2018 stock and the
    # 1 Nov 2020 key (printed, 2021 Bilaga 4). From 00:00 1 Jan 2019: 304 days to 1 Nov 2019,
    # 365 + 305 (2020 is a leap year) = 670 days to 1 Nov 2020, so the weight of the change is 304/670.
    # The three counties whose 31 Dec 2018 population SCB quotes directly (external-facts §1):
    #   Gotland   59 249 + 304/670 × (60 050 − 59 249 =   801) =  59 249 + 363.44 =  59 612.44 →  59 612;
    #             printed 59 636: error −24
    #   Blekinge 159 684 + 304/670 × (159 227 − 159 684 = −457) = 159 684 − 207.36 = 159 476.64 → 159 477;
    #             printed 159 748: error −271
    #   Kronoberg 199 886 + 304/670 × (202 247 − 199 886 = 2 361) = 199 886 + 1 071.26 = 200 957.26 → 200 957;
    #             printed 201 290: error −333
    bt = backtest_interpolation(_dec_2018(), _key("2021_bilaga4_per_region"), _key("2020_bilaga2_per_region"),
                                DEC_2018, NOV_2020, NOV_2019)
    assert bt.loc["09", ["estimate", "truth", "error"]].tolist() == [59_612, 59_636, -24]
    assert bt.loc["10", ["estimate", "truth", "error"]].tolist() == [159_477, 159_748, -271]
    assert bt.loc["07", ["estimate", "truth", "error"]].tolist() == [200_957, 201_290, -333]
    assert bt.loc["10", "relative_error"] == pytest.approx(-271 / 159_748)
    # Nationally: 10 230 185 + 304/670 × (10 378 483 − 10 230 185) = 10 297 472.5 against the printed
    # 10 319 473: linear interpolation misses by about 22 000 (growth slowed in 2020); the county
    # estimates, each rounded, add up to within 21 × ½ of that.
    assert abs(int(bt["estimate"].sum()) - 10_297_472.5) <= 10.5
    assert int(bt["truth"].sum()) == 10_319_473
    # In shares (what moves amounts) the national miss cancels: Gotland
    # 59 612 / 10 297 472 − 59 636 / 10 319 473 = 0.0057889932 − 0.0057789777 = 1.0016e-5,
    # × 10 319 473 = 103.4 inhabitant-equivalents.
    sum_est = int(bt["estimate"].sum())
    assert bt.loc["09", "share_error"] == pytest.approx(59_612 / sum_est - 59_636 / 10_319_473)
    assert bt.loc["09", "share_error_inhabitants"] == pytest.approx(103.4, abs=0.1)


def test_the_gaps_are_data_and_agree_with_the_printed_totals() -> None:
    # external-facts §1: 10 321 893 − 10 319 473 = 2 420 (2019); 10 382 090 − 10 378 483 = 3 607 (2020)
    printed = {t: int(load_total(t)["population"]) for t in ("2020_bilaga2_per_region", "2021_bilaga4_per_region")}
    g = measured_gaps(load_table("ext_scb_key_date_gaps"), printed)
    assert g["gap"].tolist() == [2_420, 3_607]
    assert g["relative_gap"].tolist() == pytest.approx([2_420 / 10_319_473, 3_607 / 10_378_483])
    bad = load_table("ext_scb_key_date_gaps").assign(gap=[2_421, 3_607])
    with pytest.raises(ValueError, match="2421 is not 10321893 − 10319473"):
        measured_gaps(bad)
    with pytest.raises(ValueError, match="prints the total"):
        measured_gaps(load_table("ext_scb_key_date_gaps"), {"2020_bilaga2_per_region": 10_319_474})


def test_the_partial_series_adds_up_to_its_national_row() -> None:
    p = load_table("ext_scb_county_population_5_94_monthly")
    counties = p[p["area"] != "riket"].groupby("month")["population_5_94"].sum()
    riket = p[p["area"] == "riket"].set_index("month")["population_5_94"]
    assert counties.to_dict() == riket.to_dict() == {"2018M10": 9_605_360, "2018M12": 9_603_631, "2019M10": 9_710_818}


def test_the_partial_series_estimator_by_hand() -> None:
    # National change Oct→Dec 2018: 10 230 185 − 10 217 621 = 12 564; ages 5–94: 9 603 631 − 9 605 360 = −1 729;
    # so the other ages (0–4, 95+) grew by 12 564 + 1 729 = 14 293. Their count on 31 Dec: 10 230 185 − 9 603 631
    # = 626 554. Gotland: 59 249 on 31 Dec, ages 5–94 56 186 (Oct) → 56 241 (Dec), +55; other ages 59 249 − 56 241
    # = 3 008, its part of the 14 293: 14 293 × 3 008 / 626 554 = 68.62. End of Oct ≈ 59 249 − 55 − 68.62 = 59 125.38.
    # Stockholm: 2 344 124; +438 in ages 5–94; other ages 152 486 → 14 293 × 152 486 / 626 554 = 3 478.52;
    # ≈ 2 344 124 − 438 − 3 478.52 = 2 340 207.48. (The 14 293 are split by largest remainder, so ±1.)
    est = partial_series_estimate(_dec_2018(), load_table("ext_scb_county_population_5_94_monthly"),
                                  "2018M12", "2018M10", 10_230_185, 10_217_621)
    assert abs(est["09"] - 59_125.38) < 1
    assert abs(est["01"] - 2_340_207.48) < 1
    assert int(est.sum()) == 10_217_621          # SCB's end-of-October 2018 national stock, exactly
    with pytest.raises(ValueError, match="no month 2018M11"):
        partial_series_estimate(_dec_2018(), load_table("ext_scb_county_population_5_94_monthly"),
                                "2018M12", "2018M11", 10_230_185, 10_217_621)


# Two counties, two candidate keys: (100, 300) and (110, 290).
# Shares 0.25/0.75 and 0.275/0.725; center (105, 295) → 105/400 = 0.2625, 0.7375; half spread 0.0125 each.
# Measured share errors 0.01 and −0.02; relative gap 0.001 → 0.0002625 and 0.0007375.
# Bounds: A 0.0125 + 0.01 + 0.0002625 = 0.0227625 (× 400 = 9.105 inhabitants); B 0.0125 + 0.02 + 0.0007375 = 0.0332375.
# 1 000 kr, largest remainder: center 262.5/737.5 → 262/738 (the tie goes to the larger amount);
# keys 250/750 and 275/725 → shifts A −12, +13 (spread 13), B +12, −13 (13);
# measured A ⌈(0.01 + 0.0002625) × 1000⌉ = ⌈10.26⌉ = 11, B ⌈20.74⌉ = 21 → bounds 24 and 34.
CANDIDATES = pd.DataFrame({"k1": [100, 300], "k2": [110, 290]}, index=["A", "B"])


def test_key_bounds_by_hand() -> None:
    b = key_bounds(CANDIDATES, interpolation_error_share=pd.Series({"A": 0.01, "B": -0.02}), relative_gap=0.001)
    assert b["center_share"].tolist() == pytest.approx([0.2625, 0.7375])
    assert b["half_spread_share"].tolist() == pytest.approx([0.0125, 0.0125])
    assert b["bound_share"].tolist() == pytest.approx([0.0227625, 0.0332375])
    assert b.loc["A", "bound_inhabitants"] == pytest.approx(9.105)
    a = amount_bounds(1000, b, ["k1", "k2"])
    assert a["amount_sek"].tolist() == [262, 738]
    assert a["shift_k1_sek"].tolist() == [-12, 12] and a["shift_k2_sek"].tolist() == [13, -13]
    assert a["measured_sek"].tolist() == [11, 21]
    assert a["bound_sek"].tolist() == [24, 34]


def test_the_2019_bound_covers_every_estimator() -> None:
    dec = _dec_2018()
    nov19 = _key("2020_bilaga2_per_region")
    cand = pd.DataFrame({
        "dec_stock": dec,
        "interpolated": interpolate_key(dec, nov19, DEC_2018, NOV_2019, pd.Timestamp("2018-11-01")),
        "partial_series": partial_series_estimate(dec, load_table("ext_scb_county_population_5_94_monthly"),
                                                  "2018M12", "2018M10", 10_230_185, 10_217_621)})
    bt = backtest_interpolation(dec, _key("2021_bilaga4_per_region"), nov19, DEC_2018, NOV_2020, NOV_2019)
    b = key_bounds(cand, interpolation_error_share=bt["share_error"], relative_gap=3_607 / 10_378_483)
    a = amount_bounds(1_500_000_000, b, list(cand.columns))
    for c in cand.columns:
        assert (a["lower_sek"] <= a[f"amount_{c}_sek"]).all() and (a[f"amount_{c}_sek"] <= a["upper_sek"]).all()
    assert (a["bound_sek"] > a["spread_sek"]).all()      # measured errors widen it beyond the spread
    assert int(a["amount_sek"].sum()) == 1_500_000_000


def test_interpolation_geometry_ratio_by_hand() -> None:
    # 2019 use: from 1 Jan 2019 (the 31 Dec stock) to 1 Nov 2019 (304 days), back to 1 Nov 2018 (61 days before):
    # |−61 × 365| = 22 265. Back-test: 304 days after 1 Jan 2019 and 366 before 1 Nov 2020: 111 264. Ratio 0.2001.
    r = interpolation_geometry_ratio(DEC_2018, NOV_2019, pd.Timestamp("2018-11-01"), DEC_2018, NOV_2020, NOV_2019)
    assert r == pytest.approx(22_265 / 111_264)


def test_misaligned_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="same counties"):
        interpolate_key(pd.Series({"A": 1}), pd.Series({"B": 2}), DEC_2018, NOV_2019, NOV_2020)
