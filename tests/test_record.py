"""The record is loaded once: each raw table parsed once per process, and once per batch via the cache."""
from __future__ import annotations

from pathlib import Path

import pytest

import helpers.paths as paths
from helpers.analyses import compare, reconcile
from helpers.analyses.distributions import distribution
from helpers.record import tables
from helpers.record.record import load_record


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(paths, "DERIVED", tmp_path / "derived")
    tables.PARSES.clear()
    return tmp_path / "derived"


def test_one_parse_per_table_for_a_whole_analysis(raw_copy: Path, empty_cache: Path) -> None:
    record = load_record(raw_copy)
    reconcile.reconcile_all(record)
    dists = {y: distribution(record, y) for y in record.years}
    compare.decompose(dists[2019], dists[2021], record)
    compare.decompose(dists[2021], dists[2024], record)
    assert tables.PARSES, "nothing was parsed"
    assert max(tables.PARSES.values()) == 1, {k: v for k, v in tables.PARSES.items() if v > 1}
    assert load_record(raw_copy) is record          # the same object while no file changed


def test_a_second_process_reads_the_validated_tables_from_the_cache(raw_copy: Path, empty_cache: Path) -> None:
    first = load_record(raw_copy)
    first.table("2021_bilaga4_per_region")
    assert tables.PARSES == {"2021_bilaga4_per_region": 1}
    # a new Record, as a new kernel would build: no parse, the same typed frame
    from helpers.record.record import Record

    second = Record.build(raw_copy)
    t = second.table("2021_bilaga4_per_region")
    assert tables.PARSES == {"2021_bilaga4_per_region": 1}
    assert t.data.equals(first.table("2021_bilaga4_per_region").data)
    assert int(t.total["population"]) == 10_378_483                 # 2021 Bilaga 4, printed total


def test_a_changed_file_is_parsed_again_and_the_record_renewed(raw_copy: Path, empty_cache: Path) -> None:
    record = load_record(raw_copy)
    record.table("2017_pots")
    path = raw_copy / "2017_pots.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Totalt", "Totalt ", 1), encoding="utf-8")
    renewed = load_record(raw_copy)
    assert renewed is not record
    renewed.table("2017_pots")
    assert tables.PARSES["2017_pots"] == 2
