"""Reconciliation against the printed tables (expected values are the printed figures)."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers.analyses.allocation import allocate
from helpers.analyses.distributions import distribution, unprinted_keys
from helpers.analyses.keys import population_key
from helpers.analyses.reconcile import VERDICTS, reconcile_all
from helpers.record.record import load_record
from helpers.record.record import load_table


@pytest.fixture(scope="module")
def reconciled() -> tuple[pd.DataFrame, pd.DataFrame]:
    return reconcile_all(load_record())


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


def test_2017_key_is_reconstructed_and_every_cell_is_exact(reconciled: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    (key,) = unprinted_keys(load_record(), 2017)
    assert key.basis == "RECONSTRUCTED" and key.fit.unique  # type: ignore[union-attr]
    # Stockholm: 655 000 000 × 2 264 111 / 9 967 637 = 148 780 769.70 → 148 780 770 half up, +1 kr residual
    # (the 21 half-up amounts add up to 654 999 999) = 148 780 771, the printed Tabell 1 figure
    assert int(key.frame.set_index("region").at["Stockholm", "population"]) == 2_264_111
    assert int(key.frame["population"].sum()) == 9_967_637
    _, s = reconciled
    for col in ("tabell1_stimulansmedel_sek", "tabell2_specialistutbildning_sek"):
        r = _col(s, "2017_bilaga1_per_county", col)
        assert r["exact"] == 21 and "RECONSTRUCTED" in r["rule"] and r["rounding"] == "half_up_residual"


def test_2018_populations_derive_from_the_skl_allocation() -> None:
    key = population_key(load_record(), "2018-12-31")
    pop = key.frame.set_index("region")["population"]
    # SCB quotes three counties directly (external-facts.md §1)
    assert pop["Blekinge"] == 159_684 and pop["Kronoberg"] == 199_886 and pop["Gotland"] == 59_249
    assert pop["Stockholm"] == 2_344_124 and pop["Norrbotten"] == 250_497
    assert pop.sum() == 10_230_185 and not key.estimate


def test_2019_estimate_is_labelled_and_bounded() -> None:
    record = load_record()
    dist = distribution(record, 2019)
    assert dist["estimate"].all()
    assert int(dist["amount_sek"].sum()) == 2_406_000_000          # 1 500 + 453 + 453 MSEK (2019 §5.1)
    assert (dist["error_bound_sek"] >= 0).all() and dist["error_bound_sek"].max() > 0
    (key,) = unprinted_keys(record, 2019)
    # Blekinge (10), hand-computed, the three estimators:
    #  31 Dec 2018 stock 159 684 (SCB, external-facts §1);
    #  interpolated back 61 of 304 days towards the 1 Nov 2019 key 159 748 (2020 Bilaga 2):
    #    159 684 + (−61/304)·(159 748 − 159 684) = 159 671.16 → 159 671;
    #  rebuilt from the ages 5–94 series (2018M10 150 972, 2018M12 150 689): 159 684 + 283 less Blekinge's part of
    #    the other ages' national change (10 230 185 − 10 217 621) − (9 603 631 − 9 605 360) = 14 293, shared by the
    #    other ages (159 684 − 150 689 = 8 995 of 626 554): 14 293 × 8 995 / 626 554 = 205.2 → 205: 159 762.
    #  The estimate is the midpoint of the lowest and highest: (159 671 + 159 762) / 2 = 159 716.5 → 159 717.
    c = key.candidates.set_index("county_code").loc["10"]
    assert sorted(int(v) for v in c) == [159_671, 159_684, 159_762]
    b = key.frame.set_index("region").loc["Blekinge"]
    assert int(b["population"]) == 159_717
    # the bound covers every estimator: at least the half spread of 45.5 inhabitants
    assert b["bound_population"] > 45.5


def test_2019_drop_in_table_gives_exact_figures(raw_copy) -> None:  # type: ignore[no-untyped-def]
    pop = population_key(load_record(raw_copy), "2018-12-31").frame
    (raw_copy / "scb_county_population_2018_11_01.csv").write_text(
        "region_printed,population\n" + "".join(f"{r},{p}\n" for r, p in zip(pop["region"], pop["population"])),
        encoding="utf-8")
    record = load_record(raw_copy)
    dist = distribution(record, 2019)
    assert not dist["estimate"].any() and (dist["error_bound_sek"] == 0).all()
    assert unprinted_keys(record, 2019) == []
    omst = dist[dist["column"] == "omstallning"]
    assert omst["amount_sek"].tolist() == allocate(1_500_000_000, pop["population"].astype("int64")).tolist()


def test_a_fetched_scb_snapshot_of_1_november_makes_2019_exact(raw_copy) -> None:  # type: ignore[no-untyped-def]
    """The 2019 key's drop_in names snapshot:scb/FolkmangdNov: a fetched table replaces the estimate."""
    from pathlib import Path

    from helpers.opendata.snapshots import write_snapshot

    body = (Path(__file__).parent / "fixtures" / "opendata" / "scb_FolkmangdNov_data_2018.json").read_bytes()
    write_snapshot("scb", "FolkmangdNov", body, {"url": "http://127.0.0.1/test", "query": {}},
                   root=raw_copy / "snapshots")
    record = load_record(raw_copy)
    key = population_key(record, "2018-11-01")
    # the fixture's made-up populations are 100 000 + the county code (tests/fixtures/opendata/README.md)
    pop = key.frame.set_index("county_code")["population"]
    assert key.method == "drop_in" and not key.estimate
    assert int(pop["01"]) == 100_001 and int(pop["25"]) == 100_025
    dist = distribution(record, 2019)
    assert not dist["estimate"].any() and int(dist["amount_sek"].sum()) == 2_406_000_000
