"""Loading raw tables: typed frames, and one clear error naming file, row and column."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers.record.record import load_catalog
from helpers.errors import DataError
from helpers.record.record import load_table, load_total, read_table
from helpers.record.tables import parse_printed_number

from conftest import edit_cell


def test_every_catalogued_table_loads() -> None:
    for name, spec in load_catalog().tables.items():
        if spec.optional:
            continue
        assert len(read_table(name).data) > 0, name


def test_allocation_tables_are_typed_and_harmonised() -> None:
    b2 = load_table("2020_bilaga2_per_region")
    assert len(b2) == 21
    assert b2["population"].dtype.name == "Int64"
    blekinge = b2.set_index("region").loc["Blekinge"]
    assert int(blekinge["population"]) == 159748          # Bilaga 2, printed
    assert blekinge["county_code"] == "10"
    assert load_total("2020_bilaga2_per_region")["totalt_sek"] == 5698500000


@pytest.mark.parametrize("text, value", [("6 250,5", "6250.5"), ("1,55%", "1.55"), ("23%", "23"),
                                         ("0,98", "0.98"), ("2 406", "2406")])
def test_printed_numbers(text: str, value: str) -> None:
    assert str(parse_printed_number(text)) == value


def _error(raw: Path, name: str) -> DataError:
    with pytest.raises(DataError) as exc:
        read_table(name, raw)
    return exc.value


def test_non_numeric_cell(raw_copy: Path) -> None:
    edit_cell(raw_copy / "2020_bilaga2_per_region.csv", 5, "population", "33x202")
    err = _error(raw_copy, "2020_bilaga2_per_region")
    assert (err.row, err.column) == (5, "population")
    assert "2020_bilaga2_per_region.csv" in str(err) and "row 5 (line 6)" in str(err)
    assert "'33x202' is not a whole number" in str(err)


def test_negative_population(raw_copy: Path) -> None:
    edit_cell(raw_copy / "2021_bilaga4_per_region.csv", 3, "population", "-1388910")
    err = _error(raw_copy, "2021_bilaga4_per_region")
    assert (err.row, err.column) == (3, "population")
    assert "negative value" in str(err)


def test_unknown_region(raw_copy: Path) -> None:
    edit_cell(raw_copy / "2017_bilaga1_per_county.csv", 2, "region_printed", "Upsala län")
    err = _error(raw_copy, "2017_bilaga1_per_county")
    assert (err.row, err.column) == (2, "region_printed")
    assert "unknown region 'Upsala län'" in str(err) and "Uppsala län" in str(err)


def test_duplicated_region(raw_copy: Path) -> None:
    edit_cell(raw_copy / "2017_bilaga1_per_county.csv", 3, "region_printed", "Stockholm")
    err = _error(raw_copy, "2017_bilaga1_per_county")
    assert err.row == 3 and "appears twice" in str(err)


def test_missing_row(raw_copy: Path) -> None:
    path = raw_copy / "2020_bilaga3_municipalities_per_county.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:4] + lines[5:]), encoding="utf-8")  # drop Östergötlands län
    err = _error(raw_copy, "2020_bilaga3_municipalities_per_county")
    assert "missing region(s): Östergötland (05)" in str(err)
    assert err.column == "region_printed"


def test_wrong_column(raw_copy: Path) -> None:
    path = raw_copy / "2017_bilaga1_per_county.csv"
    text = path.read_text(encoding="utf-8").replace("tabell2_specialistutbildning_sek", "tabell2_sek", 1)
    path.write_text(text, encoding="utf-8")
    err = _error(raw_copy, "2017_bilaga1_per_county")
    assert "missing column(s) tabell2_specialistutbildning_sek" in str(err)
    assert "unexpected column(s) tabell2_sek" in str(err)


def test_ragged_row(raw_copy: Path) -> None:
    path = raw_copy / "2017_bilaga1_per_county.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[7] = lines[7].rstrip("\n") + ",123\n"
    path.write_text("".join(lines), encoding="utf-8")
    err = _error(raw_copy, "2017_bilaga1_per_county")
    assert err.row == 7 and "expected 3 fields, found 4" in str(err)


def test_value_outside_allowed_set(raw_copy: Path) -> None:
    edit_cell(raw_copy / "2021_pots.csv", 2, "recipient", "kommuner")
    err = _error(raw_copy, "2021_pots")
    assert (err.row, err.column) == (2, "recipient") and "not one of the allowed values" in str(err)


def test_bad_printed_percentage(raw_copy: Path) -> None:
    edit_cell(raw_copy / "2020_bilaga2_per_region.csv", 1, "population_share_printed", "1.55")
    err = _error(raw_copy, "2020_bilaga2_per_region")
    assert (err.row, err.column) == (1, "population_share_printed")
