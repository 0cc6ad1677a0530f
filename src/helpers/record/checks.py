"""Consistency checks on the published record.

Two kinds of problems are kept apart:
- *errors*: a raw file is broken (helpers.load raises DataError and everything stops);
- *findings*: the source itself is inconsistent (a column that does not add up to its printed
  total, a printed share that does not match its counts, two tables that disagree). A finding is
  a result of this project: it is recorded with its size and the checks carry on.
"""
from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from ..errors import DataError
from .record import Record
from .tables import RawTable

FINDING_COLUMNS = ["year", "table", "check", "row", "column", "printed", "computed",
                   "difference", "unit", "explanation"]


def _finding(t: RawTable, check: str, row: str, column: str, printed: float, computed: float,
             unit: str, explanation: str) -> dict[str, object]:
    return {"year": t.spec.year, "table": t.spec.name, "check": check, "row": row,
            "column": column, "printed": printed, "computed": computed,
            "difference": printed - computed, "unit": unit, "explanation": explanation}


def _label(t: RawTable, rec: pd.Series) -> str:
    col = t.spec.region_column or (t.spec.key[0] if t.spec.key else None)
    return str(rec["region"]) if "region" in rec else str(rec[col]) if col else str(rec["_row"])


def check_column_totals(t: RawTable) -> list[dict[str, object]]:
    """Compare each column's sum over the body rows with the printed total row."""
    out = []
    for col in t.spec.checks.get("column_totals", []):
        computed = int(t.data[col].sum())
        printed = int(t.total[col])  # type: ignore[index]
        if computed != printed:
            out.append(_finding(t, "column_total", str(t.spec.total_label), col, printed, computed,
                                _unit(t, col), f"the {len(t.data)} rows add up to {_sek(computed)}, the printed total is {_sek(printed)}"))
    return out


def check_row_totals(t: RawTable) -> list[dict[str, object]]:
    """Compare each printed row total with the sum of its parts."""
    out = []
    for total_col, parts in t.spec.checks.get("row_totals", {}).items():
        frames = [t.data] + ([t.total.to_frame().T] if t.total is not None else [])
        for frame in frames:
            for _, rec in frame.iterrows():
                computed = int(sum(int(rec[p]) for p in parts))
                printed = int(rec[total_col])
                if computed != printed:
                    label = _label(t, rec) if "region" in rec else str(t.spec.total_label)
                    out.append(_finding(t, "row_total", label, total_col, printed, computed, _unit(t, total_col),
                                        f"{total_col} is not the sum of {', '.join(parts)}"))
    return out


def _printed_decimals(value: str) -> int:
    s = value.strip().rstrip("%")
    return len(s.split(",")[1]) if "," in s else 0


def check_shares(t: RawTable, raw_text: dict[tuple[int, str], str]) -> list[dict[str, object]]:
    """Compare printed percentages with count / total, rounded half up to the printed precision."""
    out = []
    for rule in t.spec.checks.get("shares", []):
        share_col, count_col = rule["share"], rule["count"]
        total = int(t.data[count_col].sum())
        if total == 0:
            raise DataError(t.file, f"every value is 0, so the printed shares in '{share_col}' cannot be checked",
                            column=count_col)
        for _, rec in t.data.iterrows():
            printed_text = raw_text[(int(rec["_row"]), share_col)]
            decimals = _printed_decimals(printed_text)
            exact = Decimal(int(rec[count_col])) * 100 / Decimal(total)
            rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
            printed = Decimal(str(rec[share_col]))
            if rounded != printed:
                out.append(_finding(t, "printed_share", str(rec["region"]), share_col, float(printed),
                                    float(rounded), "percentage points",
                                    f"printed {printed_text}; {count_col} {int(rec[count_col])} of {total} "
                                    f"is {exact:.4f} %, which rounds to {rounded} %"))
    return out


def _kronor(value: object, col: str) -> int:
    """Return an amount in whole kronor, exactly, from a column in kronor or in (decimal) MSEK."""
    if col.endswith("_msek"):
        return int(Decimal(str(value)) * 1_000_000)
    return int(value)  # type: ignore[call-overload]


def check_pots(t: RawTable) -> list[dict[str, object]]:
    """Check that the item pots add up to each printed subtotal and to the printed total."""
    col = t.spec.checks.get("pots_add_up")
    if not col:
        return []
    out = []
    d = t.data
    items = d[d["row_type"] == "item"]
    sek = [_kronor(v, col) for v in items[col]]
    for _, sub in d[d["row_type"] == "subtotal"].iterrows():
        computed = sum(s for s, r in zip(sek, items["recipient"]) if r == sub["recipient"])
        printed = _kronor(sub[col], col)
        if computed != printed:
            out.append(_finding(t, "pots_subtotal", str(sub["pot_id"]), col, printed, computed,
                                "SEK", f"the {sub['recipient']} items do not add up to the subtotal"))
    for _, tot in d[d["row_type"] == "total"].iterrows():
        printed = _kronor(tot[col], col)
        if sum(sek) != printed:
            out.append(_finding(t, "pots_total", str(tot["pot_id"]), col, printed, sum(sek),
                                "SEK", f"the item pots add up to {_sek(sum(sek))} kr, the printed total is "
                                       f"{_sek(printed)} kr"))
    return out


def check_survey_rows(t: RawTable) -> list[dict[str, object]]:
    """Check survey rows: counts add up to the respondents, printed percents match the counts."""
    rule = t.spec.checks.get("survey_rows")
    if not rule:
        return []
    out = []
    n = int(rule["respondents"])
    for _, rec in t.data.iterrows():
        label = _label(t, rec)
        total = int(sum(int(rec[c]) for c in rule["counts"]))
        if total != n:
            out.append(_finding(t, "survey_count_total", label, "+".join(rule["counts"]), n, total, "respondents",
                                f"the answers add up to {total}, not to the {n} respondents"))
        for c, p in zip(rule["counts"], rule["percents"]):
            exact = Decimal(int(rec[c])) * 100 / Decimal(n)
            printed = Decimal(str(rec[p]))
            decimals = max(0, -printed.normalize().as_tuple().exponent)  # type: ignore[operator]
            rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
            if rounded != printed:
                out.append(_finding(t, "printed_share", label, p, float(printed), float(rounded),
                                    "percentage points",
                                    f"{int(rec[c])} of {n} is {exact:.2f} %, printed ({printed})"))
    return out


def _sek(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _unit(t: RawTable, col: str) -> str:
    spec = t.spec.columns.get(col)
    if spec is not None and spec.unit:
        return spec.unit
    if col.endswith("_sek"):
        return "SEK"
    if col.endswith("_msek"):
        return "MSEK"
    return t.spec.unit


def check_cross_tables(record: Record, tables: set[str] | None = None) -> list[dict[str, object]]:
    """Compare the same quantity printed in two tables, region by region (those touching `tables`)."""
    out = []
    for rule in record.catalog.cross_checks:
        lt, lc = rule["left"].split(".")
        rt, rc = rule["right"].split(".")
        if tables is not None and not {lt, rt} & tables:
            continue
        left, right = record.table(lt), record.table(rt)
        merged = left.data[["county_code", "region", lc]].merge(
            right.data[["county_code", rc]], on="county_code", suffixes=("_left", "_right"))
        lcol = lc if lc != rc else f"{lc}_left"
        rcol = rc if lc != rc else f"{rc}_right"
        for _, rec in merged.iterrows():
            if int(rec[lcol]) != int(rec[rcol]):
                out.append(_finding(left, "cross_table", str(rec["region"]), f"{lc} vs {rt}.{rc}",
                                    int(rec[lcol]), int(rec[rcol]), _unit(left, lc),
                                    f"{lt}.{lc} prints {_sek(int(rec[lcol]))}, {rt}.{rc} prints {_sek(int(rec[rcol]))}"))
        if left.total is not None and right.total is not None and int(left.total[lc]) != int(right.total[rc]):
            out.append(_finding(left, "cross_table", "total", f"{lc} vs {rt}.{rc}", int(left.total[lc]),
                                int(right.total[rc]), _unit(left, lc), "the two printed totals differ"))
    return out


def check_rules_against_print(record: Record, years: set[int] | None = None) -> list[dict[str, object]]:
    """Check that the pots of the stated rules add up to each printed column total and pot table."""
    out = []
    r = record.table("allocation_rules").data
    if years is not None:
        r = r[r["year"].isin(years)]
    for (table, column), grp in r.dropna(subset=["published_table"]).groupby(["published_table", "published_column"]):
        t = record.table(str(table))
        if t.total is None:
            continue
        pots = int(grp["amount_sek"].sum())
        printed = _kronor(t.total[str(column)], str(column))
        if pots != printed:
            out.append(_finding(t, "rule_pot_vs_printed_total", str(t.spec.total_label), str(column), printed, pots,
                                "SEK", f"the pots {', '.join(grp['pot_id'])} add up to {pots}"))
    for year, grp in r.groupby("year"):
        name = f"{year}_pots"
        pots_t = record.table(name)
        d = pots_t.data
        col = "amount_sek" if "amount_sek" in d.columns else "amount_msek"
        printed = sum(_kronor(v, col) for v in d.loc[d["row_type"] == "total", col])
        if int(grp["amount_sek"].sum()) != printed:
            out.append(_finding(pots_t, "rules_vs_pots_total", "total", col, printed, int(grp["amount_sek"].sum()),
                                "SEK", "the rules' pots do not add up to the agreement's printed total"))
    return out


def check_text_claims(record: Record, years: set[int] | None = None) -> list[dict[str, object]]:
    """Compare the totals the agreements state in prose with the sum of the pots they cover."""
    claims = record.table("text_totals")
    rules = record.table("allocation_rules").data
    out = []
    for _, c in claims.data.iterrows():
        if years is not None and int(c["year"]) not in years:
            continue
        pots = rules[rules["year"] == c["year"]].set_index("pot_id")["amount_sek"]
        names = str(c["components"]).split(";")
        unknown = [n for n in names if n not in pots.index]
        covered = int(sum(int(pots[n]) for n in names if n in pots.index))
        printed = int(round(float(c["amount_msek"]) * 1_000_000))
        if unknown:
            raise DataError(claims.file, f"unknown pot(s) {', '.join(unknown)} for {int(c['year'])} "
                            "(see rules/allocation_rules.csv)", row=int(c["_row"]), column="components")
        if printed != covered:
            t = claims
            out.append({"year": int(c["year"]), "table": t.spec.name, "check": "text_total",
                        "row": str(c["claim_id"]), "column": "amount_msek", "printed": printed,
                        "computed": covered, "difference": printed - covered, "unit": "SEK",
                        "explanation": f"{c['stated_in']} states {c['amount_msek']:g} MSEK; the pots "
                                       f"{', '.join(names)} add up to {covered / 1e6:g} MSEK"})
    return out


def run_checks(record: Record | None = None, year: int | None = None) -> pd.DataFrame:
    """Validate the raw tables (DataError on the first broken file) and return the findings.

    With `year`, only that agreement year's tables and the checks that concern them are read.
    """
    from .record import load_record

    record = record or load_record()
    findings: list[dict[str, object]] = []
    names = [n for n, s in record.catalog.tables.items() if year is None or s.year == year]
    for name in names:
        spec = record.catalog.tables[name]
        if spec.optional and not record.has(name):
            continue
        t = record.table(name)
        raw_text = _raw_cells(record.raw_dir / spec.file) if spec.checks.get("shares") else {}
        findings += check_column_totals(t) + check_row_totals(t) + check_pots(t) + check_survey_rows(t)
        if raw_text:
            findings += check_shares(t, raw_text)
    scope = None if year is None else set(names)
    years = None if year is None else {year}
    findings += check_cross_tables(record, scope)
    findings += check_rules_against_print(record, years)
    findings += check_text_claims(record, years)
    return pd.DataFrame(findings, columns=FINDING_COLUMNS)


def _raw_cells(path: Path) -> dict[tuple[int, str], str]:
    """Return the cells as printed (text), keyed by (data row, column), for precision checks."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {(i, k): v for i, r in enumerate(rows, start=1) for k, v in r.items()}
