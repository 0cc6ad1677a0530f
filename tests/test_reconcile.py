"""Reconciliation against the printed tables (expected values are the printed figures)."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers.analyses.allocation import allocate
from helpers.analyses.distributions import estimate_2019, implied_key_2017
from helpers.record.tables import load_table
from helpers.analyses.keys import derive_population_2018_12_31
from helpers.analyses.reconcile import VERDICTS, reconcile_all


@pytest.fixture(scope="module")
def reconciled() -> tuple[pd.DataFrame, pd.DataFrame]:
    return reconcile_all()


def test_printed_tables_that_follow_their_rule_are_reproduced_exactly() -> None:
    b2 = load_table("2020_bilaga2_per_region")
    got = allocate(1_500_000_000, b2["population"], rounding="half_up")
    assert got.tolist() == b2["generell_resursforstarkning_sek"].tolist()
    b4 = load_table("2021_bilaga4_per_region")
    amb = allocate(85_000_000, b4["population"], base_amount=500_000, rounding="largest_remainder")
    assert amb.tolist() == b4["totalt_ambulans_sek"].tolist()
    b3 = load_table("2020_bilaga3_municipalities_per_county")
    from helpers.analyses.allocation import mix_shares, parse_mix
    shares = mix_shares(b3, parse_mix("population:0.5;municipal_care_patients:0.5"))
    assert allocate(500_000_000, shares, rounding="half_up").tolist() == b3["vardens_medarbetare_sek"].tolist()


def test_every_printed_cell_has_one_verdict(reconciled: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    cells, summary = reconciled
    cols = load_table("printed_columns")
    assert len(cells) == 21 * len(cols)
    assert set(cells["verdict"]) <= set(VERDICTS)
    assert not cells.duplicated(["table", "column", "county_code"]).any()
    assert (summary[list(VERDICTS)].sum(axis=1) == summary["cells"]).all()


def _col(summary: pd.DataFrame, table: str, column: str) -> pd.Series:
    return summary[(summary["table"] == table) & (summary["column"] == column)].iloc[0]


def test_known_verdicts(reconciled: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, s = reconciled
    assert _col(s, "2021_bilaga4_per_region", "nara_vard_sek")["exact"] == 21
    # 2021 §9 says nurses; the print follows population share exactly
    v = _col(s, "2021_bilaga4_per_region", "vidareutbildning_sek")
    assert v["stated_rule_fails"] == 21 and v["rule"].startswith("population share")
    # 2021 municipal nära vård: §9 says half population, half recipients; the print follows recipients
    n = _col(s, "2021_bilaga3_municipalities_per_county", "nara_vard_sek")
    assert n["stated_rule_fails"] == 21 and "municipal-care recipients" in n["rule"]
    # 2021 municipal staff money (150 MSEK): nothing printed reproduces it
    assert _col(s, "2021_bilaga3_municipalities_per_county", "vardens_medarbetare_sek")["not_reproducible"] == 21
    # 2020 child health care: Bilaga 2 rescales the Bilaga 4 amounts to the pot
    b = _col(s, "2020_bilaga2_per_region", "barnhalsovard_sek")
    assert b["exact"] + b["within_rounding"] == 21
    assert _col(s, "2020_bilaga4_cni_child_health", "amount_sek")["within_rounding"] == 21


def test_2017_tables_imply_the_same_key() -> None:
    assert implied_key_2017()["same_key"].all()


def test_2018_populations_derive_from_the_skl_allocation() -> None:
    pop = derive_population_2018_12_31().set_index("region")["population"]
    # SCB quotes three counties directly (external-facts.md §1)
    assert pop["Blekinge"] == 159_684 and pop["Kronoberg"] == 199_886 and pop["Gotland"] == 59_249
    assert pop["Stockholm"] == 2_344_124 and pop["Norrbotten"] == 250_497
    assert pop.sum() == 10_230_185


def test_2019_estimate_is_labelled_and_bounded() -> None:
    est = estimate_2019()
    assert est["estimate"].all()
    tot = est[est["pot_id"] == "total_regions"]
    assert int(tot["amount_sek"].sum()) == 2_406_000_000
    assert (tot["error_bound_sek"] >= 0).all() and tot["error_bound_sek"].max() > 0


def test_2019_drop_in_table_gives_exact_figures(raw_copy) -> None:  # type: ignore[no-untyped-def]
    pop = derive_population_2018_12_31(raw_copy)
    (raw_copy / "scb_county_population_2018_10_31.csv").write_text(
        "region_printed,population\n" + "".join(f"{r},{p}\n" for r, p in zip(pop["region"], pop["population"])),
        encoding="utf-8")
    est = estimate_2019(raw_copy)
    assert not est["estimate"].any()
    from helpers.analyses.distributions import describe_estimate_2019

    assert describe_estimate_2019(raw_copy).startswith("**Exact**")
    assert "ESTIMATE" in describe_estimate_2019()
    omst = est[est["pot_id"] == "omstallning"]
    assert omst["amount_sek"].tolist() == allocate(1_500_000_000, pop["population"]).tolist()
