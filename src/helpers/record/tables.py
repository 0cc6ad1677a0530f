"""Load raw tables as typed, validated DataFrames.

Parsing is done here so that a bad cell gets a message naming the file, row and column;
range, membership, pattern and key constraints are enforced by a pandera schema built from
the catalogue.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from ..errors import DataError

if TYPE_CHECKING:
    import pandera.pandas as pa
from ..paths import RAW, relative
from .catalog import ColumnSpec, TableSpec
from .regions import Registry

PARSES: dict[str, int] = {}  # table name -> times parsed in this process (the record parses each once)

_INT = re.compile(r"-?\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
INT64_MAX = 2**63 - 1  # the largest whole number an Int64 column (and its total) holds
_PRINTED_NUMBER = re.compile(r"-?\d{1,3}(?:[ \u00a0]\d{3})*(?:,\d+)?|-?\d+(?:,\d+)?")


@dataclass(frozen=True)
class RawTable:
    """A parsed raw table: the body rows, the printed total row (if any), and its spec."""

    spec: TableSpec
    data: pd.DataFrame
    total: pd.Series | None
    file: str


def parse_printed_number(text: str) -> Decimal:
    """Parse a number as Swedish documents print it: '6 250,5', '1,55%', '0,98', '23%'."""
    s = text.strip().rstrip("%").strip()
    if not _PRINTED_NUMBER.fullmatch(s):
        raise ValueError(text)
    return Decimal(s.replace(" ", "").replace("\u00a0", "").replace(",", "."))


def _parse_cell(value: str, col: ColumnSpec) -> object:
    """Convert one CSV cell to its column type; raise ValueError with the reason."""
    v = value.strip()
    if v == "":
        if col.nullable:
            return pd.NA
        raise ValueError("empty cell")
    kind = col.type
    if kind == "str":
        return v
    if kind == "int":
        if not _INT.fullmatch(v):
            raise ValueError(f"'{value}' is not a whole number")
        n = int(v)
        if abs(n) > INT64_MAX:
            raise ValueError(f"'{value}' is beyond the largest whole number a column holds ({INT64_MAX})")
        return n
    if kind == "float":
        try:
            return float(v)
        except ValueError:
            raise ValueError(f"'{value}' is not a number") from None
    if kind == "bool":
        if v.lower() not in {"true", "false"}:
            raise ValueError(f"'{value}' is not true/false")
        return v.lower() == "true"
    if kind == "date":
        # only the declared format: pandas would read '01/02/2022' as 2 January
        if not _DATE.fullmatch(v):
            raise ValueError(f"'{value}' is not a date in the declared format YYYY-MM-DD")
        try:
            return pd.Timestamp(v)
        except ValueError:
            raise ValueError(f"'{value}' is not a valid date (YYYY-MM-DD)") from None
    if kind in {"percent_printed", "ratio_printed", "decimal_printed"}:
        if kind == "percent_printed" and not (v.endswith("%") or v in {"1", "1,0"}):
            raise ValueError(f"'{value}' is not a printed percentage such as '1,55%'")
        try:
            return float(parse_printed_number(v))
        except (ValueError, InvalidOperation):
            raise ValueError(f"'{value}' is not a printed number such as '6 250,5'") from None
    raise ValueError(f"unknown column type {kind}")


def _dtype(col: ColumnSpec) -> str | None:
    return {"int": "Int64", "float": "Float64", "percent_printed": "Float64",
            "ratio_printed": "Float64", "decimal_printed": "Float64", "bool": "boolean",
            "str": "string", "date": "datetime64[ns]"}.get(col.type)


def _schema(spec: TableSpec, body: bool) -> "pa.DataFrameSchema":
    import pandera.pandas as pa  # only when a table is parsed (a cached record never imports it)

    cols = {}
    for name, col in spec.columns.items():
        checks = []
        if col.min is not None and col.type != "str":
            checks.append(pa.Check.ge(col.min))
        if col.max is not None:
            checks.append(pa.Check.le(col.max))
        if col.isin and body:
            checks.append(pa.Check.isin(list(col.isin)))
        if col.pattern and body:
            checks.append(pa.Check.str_matches(col.pattern))
        cols[name] = pa.Column(_dtype(col), checks=checks, nullable=col.nullable)
    unique = list(spec.key) if spec.key else None
    return pa.DataFrameSchema(cols, unique=unique, strict=False)


def _describe_check(check: str) -> str:
    m = re.fullmatch(r"greater_than_or_equal_to\((.+)\)", check)
    if m:
        return "negative value" if m.group(1) in {"0", "0.0"} else f"must be at least {m.group(1)}"
    m = re.fullmatch(r"less_than_or_equal_to\((.+)\)", check)
    if m:
        return f"must be at most {m.group(1)}"
    if check.startswith("isin("):
        return f"not one of the allowed values {check[5:-1]}"
    if check.startswith("str_matches("):
        return f"does not match the pattern {check[12:-1]}"
    if "uniqueness" in check:
        return "duplicated key"
    return f"fails check {check}"


def _read_rows(path: Path, spec: TableSpec) -> tuple[list[str], list[list[str]]]:
    where = relative(path)
    if not path.exists():
        raise DataError(where, "file is missing")
    if not path.is_file():
        raise DataError(where, "is not a file")
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh, strict=True))
    except (csv.Error, UnicodeDecodeError) as exc:
        raise DataError(where, f"not a readable UTF-8 CSV file: {exc}") from None
    except OSError as exc:
        raise DataError(where, f"cannot be read ({exc.strerror or exc})") from None
    if not rows:
        raise DataError(where, "file is empty")
    header = [h.strip() for h in rows[0]]
    expected = list(spec.columns)
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(extra)}")
        raise DataError(where, "; ".join(parts) + f" (expected: {', '.join(expected)})", row=0,
                        column=(missing or extra)[0])
    body = rows[1:]
    for i, r in enumerate(body, start=1):
        if len(r) != len(header):
            raise DataError(where, f"expected {len(header)} fields, found {len(r)}", row=i)
    return header, body


def _check_sums(records: list[dict[str, object]], spec: TableSpec, where: str) -> None:
    """Refuse whole numbers whose column total would not fit an Int64 (pandas would wrap it silently)."""
    for cname, col in spec.columns.items():
        if col.type != "int":
            continue
        running = 0
        for rec in records:
            v = rec[cname]
            if isinstance(v, int) and not rec["_is_total"]:
                running += abs(v)
                if running > INT64_MAX:
                    raise DataError(where, f"the column total would exceed {INT64_MAX} (the largest whole number "
                                    "a column holds) at this row", row=int(rec["_row"]), column=cname)  # type: ignore[call-overload]


def parse_table(spec: TableSpec, raw_dir: Path, registry: Registry) -> RawTable:
    """Parse, harmonise and validate one raw table; raise DataError on the first fault."""
    PARSES[spec.name] = PARSES.get(spec.name, 0) + 1
    path = raw_dir / spec.file
    where = relative(path)
    header, rows = _read_rows(path, spec)
    records = []
    for i, r in enumerate(rows, start=1):
        rec: dict[str, object] = {}
        cells = dict(zip(header, r))
        is_total = bool(spec.region_column and spec.total_label
                        and cells[spec.region_column].strip() == spec.total_label)
        for cname, col in spec.columns.items():
            try:
                rec[cname] = _parse_cell(cells[cname], col)
            except ValueError as exc:
                raise DataError(where, str(exc), row=i, column=cname) from None
        rec["_row"] = i
        rec["_is_total"] = is_total
        records.append(rec)
    _check_sums(records, spec, where)
    frame = pd.DataFrame.from_records(records, columns=[*spec.columns, "_row", "_is_total"])
    for cname, col in spec.columns.items():
        frame[cname] = frame[cname].astype(_dtype(col))
    body = frame[~frame["_is_total"]].copy()
    total_rows = frame[frame["_is_total"]]
    if spec.total_label and len(total_rows) != 1:
        raise DataError(where, f"expected one total row labelled '{spec.total_label}', found {len(total_rows)}",
                        row=len(rows), column=spec.region_column)
    import pandera.pandas as pa

    for part, is_body in ((body, True), (total_rows, False)):
        try:
            _schema(spec, is_body).validate(part, lazy=True)
        except pa.errors.SchemaErrors as exc:
            fc = exc.failure_cases
            first = fc.iloc[0]
            idx = first["index"]
            row = int(frame.loc[idx, "_row"]) if idx is not None and idx in frame.index else None
            more = f" ({len(fc) - 1} more failure(s) in this file)" if len(fc) > 1 else ""
            raise DataError(where, f"'{first['failure_case']}': {_describe_check(str(first['check']))}{more}",
                            row=row, column=str(first["column"])) from None
    if spec.region_column:
        body = _harmonise(body, spec, where, registry)
    total = total_rows.iloc[0].drop(["_is_total"]) if len(total_rows) else None
    body = body.drop(columns=["_is_total"]).reset_index(drop=True)
    return RawTable(spec=spec, data=body, total=total, file=where)


def _harmonise(body: pd.DataFrame, spec: TableSpec, where: str, reg: Registry) -> pd.DataFrame:
    col = spec.region_column
    assert col is not None
    codes = [reg.code(v, table=spec.name, file=where, row=int(r), column=col)
             for v, r in zip(body[col], body["_row"])]
    body = body.assign(county_code=codes, region=[reg.name(c) for c in codes])
    dup = body[body["county_code"].duplicated(keep="first")]
    if len(dup):
        first = dup.iloc[0]
        earlier = body[body["county_code"] == first["county_code"]].iloc[0]
        raise DataError(where, f"region {first['region']} appears twice (also row {int(earlier['_row'])} "
                        f"'{earlier[col]}')", row=int(first["_row"]), column=col)
    if spec.all_regions:
        missing = sorted(set(reg.codes) - set(body["county_code"]))
        if missing:
            names = ", ".join(f"{reg.name(c)} ({c})" for c in missing)
            raise DataError(where, f"missing region(s): {names}", column=col)
    return body
