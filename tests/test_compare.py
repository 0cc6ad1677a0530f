"""Comparing years: the decomposition adds up to the krona, and matches hand arithmetic."""
from __future__ import annotations

from fractions import Fraction

import pytest
import yaml

from helpers.analyses.compare import EFFECTS, _round_to_total, area_matrix, gini, pots_by_area
from helpers.analyses.compare import decompose as _decompose
from helpers.analyses.distributions import distribution
from helpers.paths import NOTEBOOKS
from helpers.record.record import load_record


def decompose(base: int, target: int):  # type: ignore[no-untyped-def]
    record = load_record()
    return _decompose(distribution(record, base), distribution(record, target), record)


def _pairs() -> list[tuple[int, int]]:
    plan = yaml.safe_load((NOTEBOOKS / "params" / "plan.yaml").read_text())
    pairs = {(p["base_year"], p["target_year"]) for r in plan["runs"] if r["notebook"].startswith("20_")
             for p in r["parameters"]}
    return sorted(pairs | {(2017, 2019), (2017, 2021)})


@pytest.mark.parametrize("base, target", _pairs())
def test_effects_add_up_exactly_for_every_region(base: int, target: int) -> None:
    d = decompose(base, target)
    # 2024 prints the municipalities' money per county only: the regions are not compared then
    assert len(d[d["group"] == "regions"]) == (0 if target == 2024 else 21)
    assert len(d) >= 21 and (d[EFFECTS].sum(axis=1) == d["change_sek"]).all()
    assert (d["target_sek"] - d["base_sek"] == d["change_sek"]).all()


def test_gotland_2020_to_2021_by_hand() -> None:
    d = decompose(2020, 2021)
    g = d[(d["region"] == "Gotland") & (d["group"] == "regions")].iloc[0]
    # printed totals: Bilaga 2 (2020) 32 686 994 kr, Bilaga 4 (2021) 33 564 152 kr
    assert (g["base_sek"], g["target_sek"], g["change_sek"]) == (32_686_994, 33_564_152, 877_158)
    # pots: sum of 2020 Bilaga 2 cells 5 698 500 000; of 2021 Bilaga 4 cells 5 725 000 001
    # pot growth: 26 500 001 × 32 686 994 / 5 698 500 000 = 152 005.86
    assert abs(g["effect_pot_growth_sek"] - 152_005.86) < 1
    # key share: 5 725 000 001 × (60 050 / 10 378 483 − 59 636 / 10 319 473) = 40 258.78
    assert abs(g["effect_key_share_sek"] - 40_258.78) < 1
    assert g["effect_new_recipient_sek"] == 0


def test_municipal_money_is_new_in_2020() -> None:
    d = decompose(2019, 2020)
    m = d[d["group"] == "municipalities"]
    assert (m["base_sek"] == 0).all()
    assert (m["effect_new_recipient_sek"] == m["change_sek"]).all()
    assert int(m["target_sek"].sum()) == 499_999_999     # 2020 Bilaga 3 cells (printed total 500 000 000)


def test_round_to_total() -> None:
    assert _round_to_total([Fraction(3, 2), Fraction(5, 2), Fraction(-1)], 3) == [2, 2, -1]
    assert _round_to_total([Fraction(-1, 3), Fraction(4, 3)], 1) == [0, 1]


def test_gini() -> None:
    assert gini([1, 1, 1, 1]) == 0
    # values 0, 0, 0, 4: mean absolute difference 3/2·... Gini = (n-1)/n = 0.75
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)


def test_pots_by_area_cover_every_pot_and_year_totals() -> None:
    m = area_matrix(pots_by_area(load_record()))
    totals = {y: round(v, 3) for y, v in m.sum().to_dict().items()}
    # the agreements' totals (§7, table, §8, §8) and external-facts §5 (2024: the six areas, 0,675 short)
    assert totals == {2017: 976.0, 2019: 2430.0, 2020: 6250.5, 2021: 6778.0, 2022: 6373.0, 2023: 6394.5,
                      2024: 3429.575}


def test_2019_comparison_carries_the_estimate_label_and_bound() -> None:
    d = decompose(2019, 2021)
    reg = d[d["group"] == "regions"]
    assert reg["estimate"].all()
    assert (reg["estimate_error_bound_sek"] > 0).any()
    later = decompose(2020, 2021)
    assert not later["estimate"].any() and (later["estimate_error_bound_sek"] == 0).all()


def test_2021_to_2024_compares_the_municipalities_and_says_the_regions_are_not_printed() -> None:
    d = decompose(2021, 2024)
    assert d.attrs["not_compared"] == ["regions"]
    m = d[d["group"] == "municipalities"]
    # 2021 Bilaga 3: the 21 rows of its three money columns add up to 1 000 000 000 kr; 2024: 750 MSEK
    assert int(m["base_sek"].sum()) == 1_000_000_000 and int(m["target_sek"].sum()) == 750_000_000
    # 2024 states no key: the key-share effect cannot be separated from the rule effect
    assert not m["key_effect_separable"].any() and (m["effect_key_share_sek"] == 0).all()


def test_conclusion_measures_the_effects_instead_of_asserting_them() -> None:
    import pandas as pd

    from helpers.reports.views import conclusion_text

    # municipalities: the pot shrank (−30, −10) while rules moved +40, −10: |pot| 40, |key| 10, |rule| 50 of |all| 100
    dec = pd.DataFrame({"group": ["municipalities", "municipalities"],
                        "effect_pot_growth_sek": [-30, -10], "effect_key_share_sek": [5, -5],
                        "effect_rule_sek": [40, -10], "effect_new_recipient_sek": [0, 0]})
    text = conclusion_text(dec, "sv")
    assert ("**Kommunerna:** av summan av alla regioners effekter (belopp utan tecken) står potternas förändring för "
            "40\u00a0%, ändrade nyckelandelar för 10\u00a0%, ändrade regler för 50\u00a0% och nya mottagargrupper för "
            "0\u00a0%.") in text
    assert "Nästan hela" not in text and "2021" not in text
