"""Views of the published record for the notebooks: overviews, formatted tables, findings."""
from __future__ import annotations

import pandas as pd

from ..record.catalog import TableSpec
from ..record.record import Record
from .format import style_table


def source_overview(record: Record, year: int) -> pd.DataFrame:
    """Return one row per raw table of `year`: document, section, unit, reference date, size."""
    record.check_year(year)
    rows = []
    for spec in record.catalog.for_year(year):
        t = record.table(spec.name)
        rows.append({"table": spec.name, "document": spec.source.title, "issuer": spec.source.issuer,
                     "reference": spec.source.reference, "date": spec.source.date, "section": spec.section,
                     "unit": spec.unit, "reference_date": spec.reference_date or "–",
                     "rows": len(t.data), "printed_total_row": "yes" if t.total is not None else "no",
                     "file": f"data/raw/{spec.file}"})
    return pd.DataFrame(rows)


def _formats(spec: TableSpec) -> dict[str, list[str]]:
    kronor, counts, decimals = [], [], {}
    for name, col in spec.columns.items():
        if name.endswith("_sek"):
            kronor.append(name)
        elif col.type == "int" and name not in {"year", "decision_year"}:
            counts.append(name)
        elif col.type in {"percent_printed", "ratio_printed", "decimal_printed", "float"}:
            decimals[name] = 2
    return {"kronor": kronor, "counts": counts, "decimals": decimals}  # type: ignore[dict-item]


def printed_table(record: Record, name: str):  # -> Styler
    """Return a raw table as printed (body and printed total row), formatted for reading."""
    t = record.table(name)
    cols = [c for c in t.spec.columns]
    df = t.data[cols].copy()
    if t.spec.region_column:
        df.insert(0, "region", t.data["region"])
        df = df.drop(columns=[t.spec.region_column]).rename(columns={"region": "region (harmonised)"})
    if t.total is not None:
        total = t.total[cols].to_frame().T
        if t.spec.region_column:
            total = total.drop(columns=[t.spec.region_column])
            total.insert(0, "region (harmonised)", f"{t.spec.total_label} (printed total)")
        df = pd.concat([df, total], ignore_index=True)
    f = _formats(t.spec)
    return style_table(df, kronor=f["kronor"], counts=f["counts"], decimals=f["decimals"],  # type: ignore[arg-type]
                       caption=f"{t.spec.section} — data/raw/{t.spec.file}")


def year_findings(findings: pd.DataFrame, year: int) -> pd.DataFrame:
    """Return the findings that concern one agreement year, largest discrepancies first."""
    out = findings[findings["year"] == year].copy()
    out["abs_difference"] = out["difference"].abs()
    return out.sort_values(["table", "check", "abs_difference"], ascending=[True, True, False]).drop(
        columns="abs_difference").reset_index(drop=True)


def findings_summary(findings: pd.DataFrame) -> pd.DataFrame:
    """Return counts and summed absolute differences per table, check and unit."""
    if findings.empty:
        return pd.DataFrame(columns=["table", "check", "unit", "findings", "sum_abs_difference"])
    return (findings.assign(abs_diff=findings["difference"].abs())
            .groupby(["table", "check", "unit"], as_index=False)
            .agg(findings=("abs_diff", "size"), sum_abs_difference=("abs_diff", "sum")))
