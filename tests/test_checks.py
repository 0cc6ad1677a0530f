"""Findings: the sources' own inconsistencies are recorded with their size, not raised."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.record.checks import run_checks
from helpers.record.record import load_record

from conftest import edit_cell


def _one(f: pd.DataFrame, **match: object) -> pd.Series:
    sel = f
    for k, v in match.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, sel
    return sel.iloc[0]


def test_known_findings_of_the_printed_record() -> None:
    f = run_checks()
    # 2020 Bilaga 4: the 21 amounts add up to 114 530 969 kr (hand-summed), printed total 114 500 000
    cni = _one(f, table="2020_bilaga4_cni_child_health", check="column_total")
    assert (cni["printed"], cni["computed"], cni["difference"]) == (114_500_000, 114_530_969, -30_969)
    # 2021 Bilaga 4, Västra Götaland: parts add up to 955 447 732, printed total 955 447 731
    vg = _one(f, table="2021_bilaga4_per_region", check="row_total")
    assert vg["row"] == "Västra Götaland" and vg["difference"] == -1
    # 2020 Bilaga 2 vs Bilaga 4, Stockholm: 27 284 939 vs 27 292 319
    sthlm = _one(f, check="cross_table", row="Stockholm")
    assert sthlm["difference"] == 27_284_939 - 27_292_319
    # 2020 §2.2 states 2 872 MSEK for the staff area; 1 819 + 500 + 500 + 100 = 2 919
    area = _one(f, table="text_totals", row="area_medarbetare_s2_2")
    assert area["difference"] == (2872 - 2919) * 1_000_000


def test_tables_that_add_up_give_no_findings() -> None:
    f = run_checks()
    assert f[f["table"] == "2017_bilaga1_per_county"].empty
    assert f[f["table"].isin(["2017_pots", "2019_pots", "2020_pots", "2021_pots"])].empty


def test_a_changed_total_becomes_a_finding_not_an_error(raw_copy: Path) -> None:
    edit_cell(raw_copy / "2017_bilaga1_per_county.csv", 22, "tabell1_stimulansmedel_sek", "655000100")
    f = run_checks(load_record(raw_copy))
    row = _one(f, table="2017_bilaga1_per_county", check="column_total")
    assert row["difference"] == 100


def test_a_printed_share_that_does_not_match_its_counts(raw_copy: Path) -> None:
    # Blekinge 159 748 of 10 319 473 is 1,548 %, printed 1,55 %; 1,56 % must be flagged
    edit_cell(raw_copy / "2020_bilaga2_per_region.csv", 1, "population_share_printed", "1,56%")
    f = run_checks(load_record(raw_copy))
    row = _one(f, table="2020_bilaga2_per_region", check="printed_share")
    assert row["row"] == "Blekinge" and row["printed"] == 1.56 and row["computed"] == 1.55
