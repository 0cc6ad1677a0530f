"""Notebook 30's regional part takes any Kolada KPI: a fetched snapshot first, else the shipped table."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers.analyses.trends import regional_series
from helpers.errors import DataError
from helpers.opendata.snapshots import write_snapshot

FIXTURES = Path(__file__).parent / "fixtures" / "opendata"


def test_the_shipped_table_serves_the_four_kpis_of_external_facts(raw_copy: Path) -> None:
    s = regional_series("N79503", raw_copy)
    # external-facts §6: N79503 2023 and 2024 for all 21 regions; Stockholm 2023 is 85.2
    assert len(s) == 42 and set(s["period"]) == {2023, 2024}
    assert s[(s["county_code"] == "01") & (s["period"] == 2023)]["value"].iloc[0] == pytest.approx(85.2)


def test_a_fetched_snapshot_replaces_the_shipped_table(raw_copy: Path) -> None:
    write_snapshot("kolada", "N79517", (FIXTURES / "kolada_N79517_2024.json").read_bytes(),
                   {"url": "http://127.0.0.1/test", "query": {}}, root=raw_copy / "snapshots")
    s = regional_series("N79517", raw_copy)
    # the fixture holds Stockholm, Uppsala and Örebro (missing) for 2024 (tests/fixtures/opendata/README.md)
    assert sorted(s["county_code"]) == ["01", "03", "18"]
    assert s.set_index("county_code")["value"].isna().to_dict() == {"01": False, "03": False, "18": True}


def test_a_kpi_in_neither_names_the_fetch_command(raw_copy: Path) -> None:
    with pytest.raises(DataError, match="helpers fetch kolada N00000"):
        regional_series("N00000", raw_copy)
