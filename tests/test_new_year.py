"""A new agreement year is data only: a made-up year 2030 added to a copy of data/raw runs through
notebooks 00, 05, 10 and 20 with no change to the code.

The made-up figures are chosen so that the expected amounts are plain to compute by hand:
the 21 regions' populations are 1 000 × 1 … 21 (in SCB county order; 231 000 in all), so a pot of
231 000 000 kr by population gives region k exactly k × 1 000 000 kr. The municipal pot of
462 000 000 kr goes half by population, half by 100 municipal-care recipients in every county
(2 100 in all): k × 1 000 000 + 231 000 000 / 21 = k × 1 000 000 + 11 000 000 kr.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.paths import NOTEBOOKS, RAW, ROOT

YEAR = 2030


from kernels import kernel_or_skip as _kernel_or_skip  # noqa: E402


def _add_year(raw: Path) -> None:
    codes = [r["county_code"] for r in csv.DictReader(open(raw / "regions.csv", encoding="utf-8"))]
    names = [r["region"] for r in csv.DictReader(open(raw / "regions.csv", encoding="utf-8"))]
    rows = [(n, 1000 * k, k * 1_000_000) for k, n in enumerate(names, start=1)]
    (raw / f"{YEAR}_per_region.csv").write_text(
        "region_printed,population,omstallning_sek\n" + "".join(f"{n},{p},{a}\n" for n, p, a in rows)
        + "Totalt,231000,231000000\n", encoding="utf-8")
    (raw / f"{YEAR}_municipalities_per_county.csv").write_text(
        "region_printed,population,municipal_care_recipients,kommuner_sek\n"
        + "".join(f"{n},{p},100,{a + 11_000_000}\n" for n, p, a in rows) + "Totalt,231000,2100,462000000\n",
        encoding="utf-8")
    (raw / f"{YEAR}_pots.csv").write_text(
        "pot_id,label_printed,amount_sek,recipient,row_type\n"
        "omstallning,Made-up pot,231000000,regions,item\n"
        "kommuner,Made-up municipal pot,462000000,municipalities_via_rss,item\n"
        "total,Totalt,693000000,all,total\n", encoding="utf-8")
    with open(raw / "rules" / "allocation_rules.csv", "a", encoding="utf-8") as fh:
        fh.write(f"{YEAR},omstallning,231000000,regions,population,population:1,0,{YEAR - 1}-11-01,{YEAR}_per_region,"
                 f"{YEAR}_per_region,omstallning_sek,§1,made-up year,printed\n")
        fh.write(f"{YEAR},kommuner,462000000,municipalities_via_rss,population+municipal_care_recipients,"
                 f"population:0.5;municipal_care_recipients:0.5,0,{YEAR - 1}-11-01,{YEAR}_municipalities_per_county,"
                 f"{YEAR}_municipalities_per_county,kommuner_sek,§1,made-up year,printed\n")
    with open(raw / "rules" / "area_taxonomy.csv", "a", encoding="utf-8") as fh:
        fh.write(f"{YEAR},omstallning,nara_vard,regions,§1,made-up\n{YEAR},kommuner,nara_vard,municipalities_via_rss,§1,made-up\n")
    with open(raw / "rules" / "printed_columns.csv", "a", encoding="utf-8") as fh:
        fh.write(f"{YEAR},{YEAR}_per_region,omstallning_sek,rule,omstallning,,\n")
        fh.write(f"{YEAR},{YEAR}_municipalities_per_county,kommuner_sek,rule,kommuner,,\n")
    with open(raw / "catalog.yml", "a", encoding="utf-8") as fh:
        fh.write(f"""
  {YEAR}_pots:
    file: {YEAR}_pots.csv
    source: project
    section: "made-up test year"
    year: {YEAR}
    kind: pots
    unit: SEK
    key: pot_id
    columns:
      pot_id: {{type: str}}
      label_printed: {{type: str, nullable: true}}
      amount_sek: {{type: int}}
      recipient: {{type: str}}
      row_type: {{type: str, isin: [item, subtotal, stated, total]}}
    checks:
      pots_add_up: amount_sek
  {YEAR}_per_region:
    file: {YEAR}_per_region.csv
    source: project
    section: "made-up test year, per region"
    year: {YEAR}
    kind: allocation
    unit: SEK
    region_column: region_printed
    total_label: Totalt
    columns:
      region_printed: {{type: str}}
      population: {{type: int}}
      omstallning_sek: {{type: int}}
    checks:
      column_totals: [population, omstallning_sek]
  {YEAR}_municipalities_per_county:
    file: {YEAR}_municipalities_per_county.csv
    source: project
    section: "made-up test year, municipalities per county"
    year: {YEAR}
    kind: allocation
    unit: SEK
    region_column: region_printed
    total_label: Totalt
    columns:
      region_printed: {{type: str}}
      population: {{type: int}}
      municipal_care_recipients: {{type: int}}
      kommuner_sek: {{type: int}}
    checks:
      column_totals: [population, municipal_care_recipients, kommuner_sek]
""")
    assert codes[0] == "01"


def test_a_made_up_year_runs_through_the_notebooks_as_data_only(tmp_path: Path) -> None:
    _kernel_or_skip()
    root = tmp_path / "project"
    shutil.copytree(RAW, root / "data" / "raw")
    shutil.copytree(NOTEBOOKS, root / "notebooks", ignore=shutil.ignore_patterns(".*", "py", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    _add_year(root / "data" / "raw")
    # the catalogue's tables mapping must hold the new entries: they were appended after cross_checks
    text = (root / "data" / "raw" / "catalog.yml").read_text(encoding="utf-8")
    head, _, tail = text.partition("\ncross_checks:")
    checks, _, new = tail.partition(f"\n\n  {YEAR}_pots:")
    (root / "data" / "raw" / "catalog.yml").write_text(head + f"\n\n  {YEAR}_pots:" + new + "\ncross_checks:" + checks,
                                                       encoding="utf-8")
    (root / "plan.yaml").write_text(f"""runs:
  - notebook: 00_source_tables.ipynb
    parameters: [{{year: {YEAR}}}]
  - notebook: 05_reconcile_record.ipynb
    writes: [reconciliation, reconciliation_summary]
  - notebook: 10_recompute_distributions.ipynb
    needs: [reconciliation, reconciliation_summary]
    writes: ["distribution_{{year}}"]
    parameters: [{{year: 2021}}, {{year: {YEAR}}}]
  - notebook: 20_compare_years.ipynb
    needs: ["distribution_{{base_year}}", "distribution_{{target_year}}"]
    writes: ["decomposition_{{base_year}}_{{target_year}}"]
    parameters: [{{base_year: 2021, target_year: {YEAR}, region: Gotland}}]
""")
    env = {**os.environ, "GONV_ROOT": str(root)}
    env.pop("GONV_REPORTS", None)
    res = subprocess.run([sys.executable, "-m", "helpers", "run", "--plan", str(root / "plan.yaml"), "--no-progress",
                          "--workers", "2"], env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "5 ran" in res.stdout
    derived = root / "data" / "derived"
    rec = list(csv.DictReader(open(derived / "reconciliation.csv", encoding="utf-8")))
    new = [r for r in rec if r["year"] == str(YEAR)]
    assert len(new) == 42 and all(r["verdict"] == "exact" for r in new)
    dist = list(csv.DictReader(open(derived / f"distribution_{YEAR}.csv", encoding="utf-8")))
    gotland = {r["group"]: int(r["amount_sek"]) for r in dist if r["region"] == "Gotland"}
    # Gotland is the 8th county in SCB order (01 03 04 05 06 07 08 09): 8 000 000 and 8 000 000 + 11 000 000
    assert gotland == {"regions": 8_000_000, "municipalities": 19_000_000}
    dec = list(csv.DictReader(open(derived / f"decomposition_2021_{YEAR}.csv", encoding="utf-8")))
    assert {r["group"] for r in dec} == {"regions", "municipalities"} and len(dec) == 42
    manifest = json.loads((root / "reports" / "manifest.json").read_text())["runs"]
    assert all(e["status"] == "ok" for e in manifest.values())
    index = (root / "reports" / "index.html").read_text(encoding="utf-8")
    assert f"2017–{YEAR}" in index
