"""The allocation engine on small hand-computed cases, one per rounding convention."""
from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest

from helpers.analyses.allocation import allocate, exact_amounts, mix_shares, parse_mix


# 100 kr by weights 1:1:1 → exact 33⅓ each
def test_half_up_can_miss_the_pot() -> None:
    assert allocate(100, [1, 1, 1], rounding="half_up").tolist() == [33, 33, 33]


def test_largest_remainder_sums_to_the_pot() -> None:
    # ties in remainder go to the earlier row
    assert allocate(100, [1, 1, 1], rounding="largest_remainder").tolist() == [34, 33, 33]
    # 10 kr by 0.15/0.35/0.5 → 1.5, 3.5, 5 → floors 1, 3, 5; one krona missing → larger amount wins the tie
    assert allocate(10, [15, 35, 50], rounding="largest_remainder").tolist() == [1, 4, 5]


def test_half_up_exact_half() -> None:
    # 10 kr by 15/35/50 → 1.5 → 2, 3.5 → 4, 5 → 5: 11 kr in all
    assert allocate(10, [15, 35, 50], rounding="half_up").tolist() == [2, 4, 5]
    assert allocate(10, [15, 35, 50], rounding="half_even").tolist() == [2, 4, 5]
    assert allocate(10, [25, 25, 50], rounding="half_even").tolist() == [2, 2, 5]   # 2.5 → 2


def test_half_up_residual_goes_to_the_largest_or_a_named_recipient() -> None:
    assert allocate(10, [15, 35, 50], rounding="half_up_residual").tolist() == [2, 4, 4]
    w = pd.Series([15, 35, 50], index=["a", "b", "c"])
    assert allocate(10, w, rounding="half_up_residual", residual_to="a").tolist() == [1, 4, 5]


def test_floor() -> None:
    assert allocate(100, [1, 1, 1], rounding="floor").tolist() == [33, 33, 33]
    assert allocate(10, [15, 35, 50], rounding="floor").tolist() == [1, 3, 5]


def test_base_amount_then_key() -> None:
    # 85 kr, base 5 each for 3 recipients, 70 left by 1:2:4 → 10, 20, 40 → 15, 25, 45
    assert allocate(85, [1, 2, 4], base_amount=5).tolist() == [15, 25, 45]
    with pytest.raises(ValueError, match="exceed the pot"):
        allocate(10, [1, 1, 1], base_amount=5)


def test_no_float_drift_at_the_krona() -> None:
    # 0.1 + 0.2 style weights stay exact: 3 kr by 0.1 : 0.2 → exactly 1 and 2
    assert exact_amounts(3, [0.1, 0.2]) == [Fraction(1), Fraction(2)]
    big = allocate(2_409_000_000, [2_391_841, 1_734_344], rounding="largest_remainder")
    assert int(big.sum()) == 2_409_000_000


def test_mix_of_keys() -> None:
    keys = pd.DataFrame({"population": [1, 3], "recipients": [1, 1]})
    shares = mix_shares(keys, parse_mix("population:0.5;recipients:0.5"))
    # 0.5·1/4 + 0.5·1/2 = 3/8 ; 0.5·3/4 + 0.5·1/2 = 5/8
    assert shares.tolist() == [Fraction(3, 8), Fraction(5, 8)]
    assert allocate(800, shares).tolist() == [300, 500]


def test_share_decimals() -> None:
    # 1/3 rounded to 2 decimals is 0.33: 100 kr → 33 kr exactly, not 33⅓
    assert exact_amounts(100, [1, 2], share_decimals=2) == [Fraction(33), Fraction(67)]


@pytest.mark.parametrize("weights, message", [([], "no recipients"), ([1, -1], "negative"), ([0, 0], "zero")])
def test_bad_weights(weights: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        allocate(10, weights)


def test_parse_mix_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="column:weight"):
        parse_mix("population")
