"""Exact reconstruction of an unprinted integer key (helpers.analyses.keyfit), on hand-computed cases and 2017."""
from __future__ import annotations

from fractions import Fraction

import pytest

from helpers.analyses.allocation import allocate
from helpers.analyses.keyfit import PrintedColumn, default_lower_total, fit_key
from helpers.record.record import read_table


# 100 kr split by the key (1, 2, 3) half up: 16.67, 33.33, 50 → 17, 33, 50.
# Half up pins each share: p1/P ∈ [0.165, 0.175), p2/P ∈ [0.325, 0.335), p3/P ∈ [0.495, 0.505).
#   P = 6 : p1 ∈ [0.99, 1.05) → 1, p2 ∈ [1.95, 2.01) → 2, p3 ∈ [2.97, 3.03) → 3; 1 + 2 + 3 = 6 ✓
#   P = 1…5, 7…11: p1's interval holds no integer (P = 5: [0.825, 0.875); P = 11: [1.815, 1.925))
#   P = 12: (2, 4, 6), twice the key — shares never fix the scale
SMALL = [PrintedColumn(100, [17, 33, 50], name="A")]


def test_a_small_key_is_found_and_unique_below_twice_its_total() -> None:
    fit = fit_key(SMALL, totals=(1, 11), roundings=["half_up"])
    assert fit.exists and fit.unique
    assert fit.key == (1, 2, 3)
    assert fit.totals == (6,)
    assert fit.searches["half_up"].no_integer == 10       # every other total of 1…11
    assert (fit.cells["verdict"] == "exact").all()


def test_a_multiple_of_a_working_key_also_works() -> None:
    fit = fit_key(SMALL, totals=(1, 12), roundings=["half_up"])
    assert fit.totals == (6, 12)
    assert not fit.unique
    assert fit.searches["half_up"].keys[12] == [(2, 4, 6)]


def test_the_default_range_starts_at_one_unit_for_the_smallest_share_and_stops_below_twice_the_first_total() -> None:
    # p1 < P·(17 + 1)/100 under every convention, so p1 ≥ 1 needs P > 100/18 = 5.6: the search starts at 5
    assert default_lower_total(SMALL) == 5
    fit = fit_key(SMALL, roundings=["half_up"])
    assert fit.totals == (6,)
    assert fit.searches["half_up"].totals_searched == (5, 11)


# 100 kr by (1, 1, 1): exact 33⅓ each. largest_remainder → 34, 33, 33 (the tie goes to the first row);
# half_up → 33, 33, 33. So the print 34, 33, 33 has a key under largest_remainder only.
# half_up needs p1/P ∈ [0.335, 0.345): P = 1…5 give [0.335, 0.345), [0.67, 0.69), [1.005, 1.035),
# [1.34, 1.38), [1.675, 1.725): no integer anywhere.
TIES = [PrintedColumn(100, [34, 33, 33], name="B")]


def test_the_convention_is_identified_and_the_others_are_disproved() -> None:
    fit = fit_key(TIES, totals=(1, 5), roundings=["half_up", "largest_remainder"])
    assert fit.convention == "largest_remainder"
    assert fit.key == (1, 1, 1)
    assert fit.searches["half_up"].no_integer == 5
    assert not fit.searches["half_up"].exists


# 100 kr by (1, 2, 3) truncated: 16.67, 33.33, 50 → 16, 33, 50. floor pins p1/P ∈ [0.16, 0.17),
# p2/P ∈ [0.33, 0.34), p3/P ∈ [0.50, 0.51): at P = 6 → 1, 2, 3 ✓; P = 1…5, 7…11: p1's interval is empty
# (P = 5: [0.80, 0.85); P = 7: [1.12, 1.19)). half up needs p1/P ∈ [0.155, 0.165): P = 6 gives [0.93, 0.99), empty.
# largest_remainder (amount within 1 kr of the exact one) admits (1, 2, 3) at P = 6, but re-allocating it gives
# 17, 33, 50 (the missing krona goes to the largest remainder, 0.67): the candidate misses the print.
# At every other P ≤ 11 its interval p1/P ∈ [0.15, 0.17] holds no integer (P = 5: [0.75, 0.85]; P = 7: [1.05, 1.19];
# P = 11: [1.65, 1.87]).
def test_floor_is_identified_and_a_candidate_that_re_allocates_wrongly_is_rejected() -> None:
    fit = fit_key([PrintedColumn(100, [16, 33, 50])], totals=(1, 11))
    assert fit.conventions == ("floor",)
    assert fit.key == (1, 2, 3)
    lr = fit.searches["largest_remainder"]
    assert lr.allocation_differs == 1 and lr.no_integer == 10
    assert fit.searches["half_up"].no_integer == 11


def test_no_key_is_a_finding_with_its_proof() -> None:
    # 17, 33, 50 of 100 and 50, 30, 20 of 100 cannot share one key: recipient 1 would hold ≈17 % and ≈50 %
    cols = [PrintedColumn(100, [17, 33, 50], name="A"), PrintedColumn(100, [50, 30, 20], name="C")]
    fit = fit_key(cols, totals=(1, 1000), labels=["x", "y", "z"])
    assert not fit.exists
    s = fit.searches["half_up"]
    assert s.no_integer + s.sum_mismatch + s.allocation_differs == 1000
    assert (fit.cells["verdict"] == "no_key").all()


def test_a_base_amount_is_taken_off_before_the_key() -> None:
    # 3 × 10 kr base, the rest 70 kr by (1, 2, 4): 10, 20, 40 → 20, 30, 50
    fit = fit_key([PrintedColumn(100, [20, 30, 50], base_amount=10)], totals=(1, 13), roundings=["half_up"])
    assert fit.key == (1, 2, 4) and fit.totals == (7,)


def test_bad_input_is_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match="same, non-zero number"):
        fit_key([PrintedColumn(100, [1, 2]), PrintedColumn(100, [1, 2, 3])])
    with pytest.raises(ValueError, match="empty or not positive"):
        fit_key(SMALL, totals=(10, 5))
    with pytest.raises(ValueError, match="unknown rounding"):
        fit_key(SMALL, totals=(1, 5), roundings=["nearest"])  # type: ignore[list-item]


def _columns_2017() -> tuple[list[PrintedColumn], list[str]]:
    t = read_table("2017_bilaga1_per_county")
    d = t.data
    cols = [PrintedColumn(int(t.total[c]), [int(v) for v in d[c]], name=name)  # type: ignore[index]
            for c, name in (("tabell1_stimulansmedel_sek", "Tabell 1"), ("tabell2_specialistutbildning_sek", "Tabell 2"))]
    return cols, d["region"].tolist()


def test_2017_tables_1_and_2_pin_down_one_key_in_whole_inhabitants() -> None:
    # Range: SCB's end-of-October 2017 national stock (10 104 925, in the record) ± 5 %; a year earlier
    # the country was about 1 % smaller, well inside it.
    cols, labels = _columns_2017()
    fit = fit_key(cols, totals=(9_599_679, 10_610_171), labels=labels)
    assert fit.exists and fit.unique
    assert fit.conventions == ("half_up_residual",)
    assert fit.totals == (9_967_637,)
    key = dict(zip(labels, fit.key or ()))
    assert key["Stockholm"] == 2_264_111
    # all 42 printed cells are reproduced to the krona
    assert (fit.cells["verdict"] == "exact").sum() == 42
    # Checked without the search, with the engine and by hand: Stockholm's exact share of Tabell 1 is
    # 655 000 000 × 2 264 111 / 9 967 637 = 148 780 769.70 → 148 780 770 half up; the 21 half-up
    # amounts add up to 654 999 999, so the missing krona goes to the largest recipient: 148 780 771,
    # as printed. Tabell 2: 300 000 000 × 2 264 111 / 9 967 637 = 68 143 863.99 → 68 143 864, + 1 = 68 143 865.
    assert round(float(Fraction(655_000_000 * 2_264_111, 9_967_637)), 2) == 148_780_769.70
    assert sum(allocate(655_000_000, list(fit.key or ()), rounding="half_up")) == 654_999_999
    for c in cols:
        assert allocate(c.pot, list(fit.key or ()), rounding="half_up_residual").tolist() == list(c.amounts)
    # under plain half up only Stockholm's interval is empty at that total: the residual krona
    assert fit.searches["half_up"].closest_total == 9_967_637
    assert fit.searches["half_up"].closest_failing == (0,)


def test_2017_no_smaller_total_reproduces_the_print() -> None:
    cols, labels = _columns_2017()
    fit = fit_key(cols, labels=labels, roundings=["half_up_residual"])
    s = fit.searches["half_up_residual"]
    assert s.totals == (9_967_637,)
    assert s.totals_searched[0] == default_lower_total(cols) and s.totals_searched[1] >= 2 * 9_967_637 - 1
