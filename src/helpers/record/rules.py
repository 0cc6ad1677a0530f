"""Checks of the rules tables against the rest of the record, run when a rules table is first read.

The schema of a single file cannot see that a rule names a table the catalogue lacks, a key
column that does not exist (`populaton:1` would turn exact cells into a false "stated rule
fails"), or weights that do not add up to 1. Each is refused here with the file, row and
column of the rule. A key column of zeros is refused once the key table and the rule naming it
have both been read (no file is read for a check, so what a run reads stays what it uses).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..errors import DataError, KeyMixError, did_you_mean
from .tables import RawTable

if TYPE_CHECKING:
    from .record import Record


def _text(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[arg-type]


def _known_table(record: "Record", t: RawTable, name: str, row: int, column: str) -> None:
    if name not in record.catalog.tables:
        raise DataError(t.file, f"unknown table '{name}'{did_you_mean(name, record.catalog.tables)}", row=row,
                        column=column)


def _zero_key(record: "Record", t: RawTable, table: str, col: str, row: int, what: str) -> None:
    """Refuse a key column whose values add up to nothing: no pot can be split by it."""
    data = record.loaded(table).data  # type: ignore[union-attr]
    if col in data and int(pd.to_numeric(data[col]).abs().sum()) == 0:
        raise DataError(record.loaded(table).file, "every value is 0, so no pot can be split by it "  # type: ignore[union-attr]
                        f"({what}, named by {t.file}, row {row})", column=col)


def check_zero_keys(record: "Record") -> None:
    """Refuse an all-zero key column, among the tables already read (so no file is read for it).

    Run whenever a table is read: a key table and the rule naming it meet in the record sooner
    or later, before any pot is split, without this check widening what a run reads.
    """
    rules = record.loaded("allocation_rules")
    if rules is not None:
        for _, r in rules.data.iterrows():
            key_table, mix_text = _text(r["key_table"]), _text(r["key_mix"])
            if key_table is None or mix_text is None or record.loaded(key_table) is None:
                continue
            from .keymix import parse_mix

            for name in parse_mix(mix_text):
                _zero_key(record, rules, key_table, name, int(r["_row"]), f"the pot {r['pot_id']} ({int(r['year'])})")
    keys = record.loaded("population_keys")
    if keys is not None:
        for _, r in keys.data.iterrows():
            table, col = _text(r["table"]), _text(r["column"])
            if table is None or col is None or record.loaded(table) is None:
                continue
            if str(r["method"]) in {"printed", "implied_shares", "implied_by_allocation"}:
                _zero_key(record, keys, table, col, int(r["_row"]), f"the key of {pd.Timestamp(r['key_date']).date()}")


def check_allocation_rules(record: "Record", t: RawTable) -> None:
    """Refuse a rule naming an unknown table or column, a malformed key mix, or an all-zero key."""
    from .keymix import parse_mix

    tables = record.catalog.tables
    for _, r in t.data.iterrows():
        row = int(r["_row"])
        key_table, pub_table = _text(r["key_table"]), _text(r["published_table"])
        pub_col, mix_text = _text(r["published_column"]), _text(r["key_mix"])
        for name, col in ((key_table, "key_table"), (pub_table, "published_table")):
            if name is not None:
                _known_table(record, t, name, row, col)
        if pub_col is not None:
            if pub_table is None:
                raise DataError(t.file, "a published column needs its published_table", row=row,
                                column="published_column")
            if pub_col not in tables[pub_table].columns:
                raise DataError(t.file, f"'{pub_col}' is not a column of {pub_table}"
                                f"{did_you_mean(pub_col, tables[pub_table].columns)}", row=row, column="published_column")
        if mix_text is None:
            continue
        try:
            mix = parse_mix(mix_text)
        except KeyMixError as exc:
            raise DataError(t.file, str(exc), row=row, column="key_mix") from None
        if key_table is not None:
            columns = tables[key_table].columns
            for name in mix:
                if name not in columns:
                    raise DataError(t.file, f"key column '{name}' is not a column of {key_table}"
                                    f"{did_you_mean(name, columns)}", row=row, column="key_mix")
        else:
            # no key table: the key is a stated one the record may not print ('employed_nurses'),
            # or the population key of the rule's reference date
            stated = {k.strip() for k in str(r["key"]).split("+")}
            if _text(r["key_reference_date"]) is not None:
                stated.add("population")
            for name in mix:
                if name not in stated:
                    raise DataError(t.file, f"key column '{name}' is neither the stated key ({r['key']}) nor a "
                                    f"column of a key_table{did_you_mean(name, stated)}", row=row, column="key_mix")


def check_population_keys(record: "Record", t: RawTable) -> None:
    """Refuse a population key naming an unknown table or column, or a key column of zeros."""
    tables = record.catalog.tables
    for _, r in t.data.iterrows():
        row = int(r["_row"])
        table, col = _text(r["table"]), _text(r["column"])
        if table is not None:
            _known_table(record, t, table, row, "table")
            for c in (col or "").split(";"):     # a reconstructed key names several columns
                if c and c not in tables[table].columns:
                    raise DataError(t.file, f"'{c}' is not a column of {table}{did_you_mean(c, tables[table].columns)}",
                                    row=row, column="column")
        for item in (_text(r["drop_in"]) or "").split(";"):
            if item and not item.startswith("snapshot:"):   # a fetched snapshot is looked up when used
                _known_table(record, t, item, row, "drop_in")


def _column_ref(record: "Record", t: RawTable, ref: str, row: int, column: str) -> None:
    tables = record.catalog.tables
    table, _, col = ref.partition(".")
    if not col:
        raise DataError(t.file, f"'{ref}' is not of the form table.column", row=row, column=column)
    _known_table(record, t, table, row, column)
    if col not in tables[table].columns:
        raise DataError(t.file, f"'{col}' is not a column of {table}{did_you_mean(col, tables[table].columns)}",
                        row=row, column=column)


def check_printed_columns(record: "Record", t: RawTable) -> None:
    """Refuse a printed column that names an unknown table or column, or an alternative key whose weights
    do not add up to 1."""
    from fractions import Fraction

    for _, r in t.data.iterrows():
        row = int(r["_row"])
        _known_table(record, t, str(r["table"]), row, "table")
        _column_ref(record, t, f"{r['table']}.{r['column']}", row, "column")
        alternatives = _text(r["alternative_keys"])
        if alternatives is None:
            continue
        for alt in alternatives.split(";"):
            total = Fraction(0)
            for term in alt.split("+"):
                ref, _, weight = term.partition(":")
                _column_ref(record, t, ref.strip(), row, "alternative_keys")
                try:
                    total += Fraction(weight.strip()) if weight.strip() else Fraction(1)
                except (ValueError, ZeroDivisionError):
                    raise DataError(t.file, f"'{weight}' is not a weight such as 0.5 or 1/3", row=row,
                                    column="alternative_keys") from None
            if total != 1:
                raise DataError(t.file, f"alternative key '{alt}': the weights add up to {float(total):g}, not to 1",
                                row=row, column="alternative_keys")


VALIDATORS = {"allocation_rules": check_allocation_rules, "population_keys": check_population_keys,
              "printed_columns": check_printed_columns}
