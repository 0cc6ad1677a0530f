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


# --- in the reader's language (helpers.reports.i18n) ------------------------------------------
def section_label(record: Record, name: str, language: str = "sv") -> str:
    """Return where a raw table is printed, in the source's own words (its section, without editorial notes)."""
    from .i18n import catalogue

    spec = record.catalog.table(name)
    cat = catalogue(language)
    if cat.has(f"tables.{name}"):  # a table the project compiled: its label is in the catalogue
        return cat.t(f"tables.{name}")
    if "external-facts.md" in spec.section:  # the project's own notes are not a source a reader can look up
        return spec.source.title
    return spec.section.split(";")[0].strip()


def _reference(text: str | None) -> str:
    import re

    return re.sub(r"\s*\([^)]*external-facts\.md[^)]*\)", "", text or "").strip() or "–"


def show_table(df: pd.DataFrame, language: str, *, empty: str | None, **kwargs) -> None:
    """Display a table in the reader's language, or one sentence saying why there is none (nothing if said already)."""
    from IPython.display import Markdown, display

    if df.empty:
        if empty:
            display(Markdown(empty))
    else:
        display(style_table(df, language=language, **kwargs))


def sources_table(record: Record, year: int, language: str) -> pd.DataFrame:
    """Return one row per raw table of `year` for the reader: document, section, unit, reference date, size."""
    from .format import date
    from .i18n import catalogue

    cat = catalogue(language)
    rows = []
    for spec in record.catalog.for_year(year):
        t = record.table(spec.name)
        issuer = spec.source.issuer.replace(" and ", f" {cat.t('common.and')} ")
        rows.append({"document": f"{spec.source.title} ({issuer})", "reference": _reference(spec.source.reference),
                     "published": spec.source.date or "–",  # as printed: a month or a year where no day is given
                     "section": section_label(record, spec.name, language),
                     "unit": cat.t(f"units.{spec.unit}") if cat.has(f"units.{spec.unit}") else spec.unit,
                     "reference_date": date(spec.reference_date, language) if spec.reference_date else "–",
                     "rows": len(t.data), "printed_total_row": t.total is not None})
    return pd.DataFrame(rows)


def printed_table_view(record: Record, name: str, language: str):  # -> Styler
    """Return a raw table as printed (body and printed total row), headed in the reader's language."""
    from .i18n import catalogue

    cat = catalogue(language)
    t = record.table(name)
    # internal pot ids are not shown: the printed label says which pot a row is
    cols = [c for c in t.spec.columns if c not in (t.spec.region_column, "pot_id")]
    df = t.data[cols].copy()
    if t.spec.region_column:
        df.insert(0, "region", t.data["region"])
        # the regions in county-code order (the printed order differs between tables)
        df = df.iloc[t.data["county_code"].astype(str).argsort(kind="stable")].reset_index(drop=True)
        if t.total is not None:
            total = t.total[cols].to_frame().T
            total.insert(0, "region", f"{t.spec.total_label} ({cat.t('common.printed_total')})")
            df = pd.concat([df, total], ignore_index=True)
    for c in df.columns:
        if (df[c].dtype == object or pd.api.types.is_string_dtype(df[c])) and c != "region":
            # coded values (row types, recipients, statuses) in words; truth values as Ja/Nej
            df[c] = df[c].map(lambda v, c=c: cat.yes_no(v) if isinstance(v, bool)
                              else cat.t(f"codes.{c}.{v}") if isinstance(v, str) and cat.has(f"codes.{c}.{v}") else v)
    f = _formats(t.spec)
    decimals = {c: d for c, d in f["decimals"].items() if c in df}  # type: ignore[union-attr]
    known = {c: f"@{cat.header(c, words=True)}" for c in df.columns if c != "region" and not cat.has(f"headers.{c}")}
    df = df.rename(columns=known)  # a column a new year brings: its name in words until the catalogue has it
    kronor_cols = [known.get(c, c) for c in f["kronor"] if c in known or c in df]
    count_cols = [known.get(c, c) for c in f["counts"] if c in known or c in df]
    decimals = {known.get(c, c): d for c, d in decimals.items()}
    return style_table(df, kronor=kronor_cols, counts=count_cols, decimals=decimals, language=language,
                       caption=f"{section_label(record, name, language)} — {t.spec.source.title}")


def findings_view(record: Record, findings: pd.DataFrame, language: str) -> pd.DataFrame:
    """Return the findings for the reader: where (section and row), what was checked, printed, computed, difference."""
    import re

    from .i18n import catalogue

    cat = catalogue(language)
    out = pd.DataFrame({
        "where": [section_label(record, t, language) + ("" if re.fullmatch(r"[a-z0-9_]+", str(r)) else f": {r}")  # no internal row ids
                  for t, r in zip(findings["table"], findings["row"])],
        "check": [cat.value("checks", c) for c in findings["check"]],
        "printed": pd.to_numeric(findings["printed"], errors="coerce"),
        "computed": pd.to_numeric(findings["computed"], errors="coerce"),
        "difference": pd.to_numeric(findings["difference"], errors="coerce"),
        "unit": [cat.t(f"units.{u}") if cat.has(f"units.{u}") else u for u in findings["unit"]]})
    return out


def findings_counts(record: Record, findings: pd.DataFrame, language: str) -> pd.DataFrame:
    """Return the number of findings and their summed absolute difference per table and check."""
    v = findings_view(record, findings, language)
    v["table"] = [section_label(record, t, language) for t in findings["table"]]
    v["abs"] = v["difference"].abs()
    return (v.groupby(["table", "check", "unit"], as_index=False, sort=True)
            .agg(findings=("abs", "size"), sum_abs_difference=("abs", "sum")))


def rule_text(record: Record, text: str, language: str) -> str:
    """Return a reconciliation rule in the reader's words: table ids as sections, columns as headers, terms translated."""
    import re

    from .i18n import catalogue

    cat = catalogue(language)
    s = str(text)
    s = re.sub(r"\b(\d{4}_[a-z0-9_]+)\.([a-z0-9_]+)",
               lambda m: f"{section_label(record, m.group(1), language)}: {cat.header(m.group(2), words=True)}"
               if m.group(1) in record.catalog.tables else m.group(0), s)
    for pair in cat.t("rule_terms").split("|"):
        if "=>" in pair:
            old, new = (p.strip() for p in pair.split("=>", 1))
            s = s.replace(old, new)
    return s


def column_label(record: Record, table: str, column: str, language: str) -> str:
    """Return a printed column as the reader knows it: the section and the column's plain header."""
    from .i18n import catalogue

    # the unit is left out: the table the label stands in says it (a column printed in MSEK is compared in kronor)
    return f"{section_label(record, table, language)}: {catalogue(language).header(column, words=True).split(' (')[0]}"


def reconciliation_view(record: Record, frame: pd.DataFrame, language: str) -> pd.DataFrame:
    """Return reconciliation rows (cells or column summaries) with words for tables, columns, rules, verdicts."""
    from .i18n import catalogue

    cat = catalogue(language)
    out = frame.copy()
    out.insert(0, "printed_column", [column_label(record, t, c, language) for t, c in zip(out["table"], out["column"])])
    out = out.drop(columns=["table", "column"])
    if "rule" in out:
        out["rule"] = [rule_text(record, r, language) for r in out["rule"]]
    if "verdict" in out:
        out["verdict"] = [cat.value("verdicts", v) for v in out["verdict"]]
    if "rounding" in out:
        out["rounding"] = [", ".join(cat.value("rounding", p.strip()) for p in str(r).split(",")) if r not in ("–", "none")
                           else cat.value("rounding", "none") for r in out["rounding"]]
    return out


def describe_reconciliation(record: Record, summary: pd.DataFrame, language: str) -> str:
    """Return the reconciliation of a year in plain language, one bullet per printed column (Markdown, escaped)."""
    from .format import md_text, money
    from .i18n import catalogue

    cat = catalogue(language)
    if summary.empty:
        return cat.t("reconcile.none")
    lines = []
    for _, s in summary.iterrows():
        vals = {"where": md_text(column_label(record, s["table"], s["column"], language)), "n": int(s["cells"]),
                "exact": int(s["exact"]), "within": int(s["within_rounding"]), "fails": int(s["stated_rule_fails"]),
                "nonrep": int(s["not_reproducible"]), "rule": md_text(rule_text(record, s["rule"], language)),
                "deviation": money(s["max_abs_deviation_sek"], language)}
        if s["exact"] == s["cells"]:
            key = "reconcile.all_exact"
        elif s["not_reproducible"] == 0 and s["stated_rule_fails"] == 0:
            key = "reconcile.within"
        elif s["stated_rule_fails"] > 0:
            key = "reconcile.fails"
        else:
            key = "reconcile.not_reproducible"
        lines.append("- " + cat.t(key, **vals))
    return "\n".join(lines)


def key_date(key, language: str) -> str:  # key: helpers.analyses.keys.PopulationKey
    """Return the reference date of a population key in words."""
    from .format import date

    return date(key.key_date, language)


def rules_view(record: Record, rules: pd.DataFrame, language: str) -> pd.DataFrame:
    """Return a year's pots for the reader: area, recipient and key in words, amounts, where stated."""
    from .i18n import catalogue

    cat = catalogue(language)
    areas = record.table("area_taxonomy").data
    area_of = {(int(y), str(p)): a for y, p, a in zip(areas["year"], areas["pot_id"], areas["area"])}
    labels = record.area_labels(language)
    recipients = dict(zip(record.table("recipients").data["recipient"], record.table("recipients").data[f"label_{language}"]))
    return pd.DataFrame({
        "area": [labels.get(area_of.get((int(y), str(p)), ""), "–") for y, p in zip(rules["year"], rules["pot_id"])],
        "amount_sek": rules["amount_sek"].astype("int64"),
        "amount_basis": [cat.value("amount_basis", b) for b in rules["amount_basis"]],
        "recipient": rules["recipient"].map(recipients),
        "key": [cat.value("keys", k) for k in rules["key"]],
        "base_amount_sek": rules["base_amount_sek"],
        "key_reference_date": rules["key_reference_date"],
        "stated_in": rules["stated_in"].str.replace(" and ", f" {cat.t('common.and')} ", regex=False)})


def character_view(record: Record, character: pd.DataFrame, language: str) -> pd.DataFrame:
    """Return what the not-reproducible columns correlate with, in the reader's words."""
    from .i18n import catalogue

    cat = catalogue(language)
    out = character.copy()
    out.insert(0, "printed_column", [column_label(record, t, c, language) for t, c in zip(out["table"], out["column"])])
    out["key"] = [cat.header(k).split(" (")[0] for k in out["key"]]
    return out.drop(columns=["table", "column"])


def key_inputs_view(inputs: pd.DataFrame, language: str) -> pd.DataFrame:
    """Return the keys' inputs by region with headers in words (key date in words, what the key rests on)."""
    import re

    from .format import date
    from .i18n import catalogue

    cat = catalogue(language)
    basis = {"printed": "printed", "printed (drop-in)": "drop_in", "derived": "implied_by_allocation",
             "implied shares": "implied_shares", "reconstructed": "reconstructed", "estimate": "estimated"}
    names = {"region": "region"}
    for c in inputs.columns.drop(["county_code", "region"]):
        m = re.match(r"population (.+?) \((.+)\)$", c)
        if m:
            try:
                when = date(pd.Timestamp(m.group(1)), language)
            except ValueError:
                when = m.group(1)
            names[c] = cat.t("nb20.population_on", date=when) + (
                f" ({cat.value('key_basis', basis[m.group(2)]).lower()})" if m.group(2) in basis else f" ({m.group(2)})")
            continue
        m = re.match(r"(municipal care [a-z]+) \((.*)\)$", c)
        what = cat.header(m.group(1).replace(" ", "_")) if m else c
        names[c] = f"{what} — {m.group(2).split(';')[0]}" if m else c
    out = inputs.sort_values("county_code").drop(columns=["county_code"]).rename(columns=names)
    # these headers are already words: keep them as they are (style_table maps snake_case names only)
    return out.rename(columns=lambda c: c if c == "region" else f"@{c}")


def waterfall_row(dec: pd.DataFrame, region: str) -> pd.Series:
    """Return the decomposition row of `region` drawn as a waterfall (the regions' own money where it has any)."""
    group = "regions" if "regions" in set(dec["group"]) else str(dec["group"].iloc[0])
    return dec[(dec["region"] == region) & (dec["group"] == group)].iloc[0]


def comparison_headline(dec: pd.DataFrame, base_year: int, target_year: int, language: str) -> dict[str, str]:
    """Return the headline figures of a comparison, each labelled with its scope, consistent to the krona."""
    from .format import money
    from .i18n import catalogue

    cat = catalogue(language)
    if dec.empty:
        return {cat.t("nb20.h_none"): cat.t("common.none")}
    group = "regions" if "regions" in set(dec["group"]) else str(dec["group"].iloc[0])
    sel = dec[dec["group"] == group]
    g = cat.value("groups", group)
    top = sel.loc[sel["change_sek"].idxmax()]
    return {cat.t("nb20.h_total", group=g, year=base_year): money(int(sel["base_sek"].sum()), language),
            cat.t("nb20.h_total", group=g, year=target_year): money(int(sel["target_sek"].sum()), language),
            cat.t("nb20.h_change", group=g): money(int(sel["change_sek"].sum()), language),
            cat.t("nb20.h_top", group=g): f"{top['region']} {money(int(top['change_sek']), language)}",
            cat.t("nb20.h_top_pot", region=top["region"]): money(int(top["effect_pot_growth_sek"]), language)}


def targets_view(targets: pd.DataFrame, language: str) -> pd.DataFrame:
    """Return the targets for the reader: the target in words, deadline, target and published value, met or not published."""
    from .format import pct
    from .i18n import catalogue

    cat = catalogue(language)
    if targets.empty:
        return targets
    return pd.DataFrame({
        "target": [cat.value("targets", t) for t in targets["target_id"]],
        "deadline": targets["deadline"],
        "value": [pct(v / 100, 0, language) if v is not None and not pd.isna(v) else cat.t("common.not_published")
                  for v in targets["value"]],
        "period_end": targets["period_end"],
        "source": targets["source"].fillna("–"),
        # met or not where the target is a number and the region's value is published; else say which is missing
        "status": [cat.yes_no(m) if m is not None and not pd.isna(m)
                   else cat.t("common.not_published") if v is None or pd.isna(v) else cat.t("common.not_quantified")
                   for m, v in zip(targets["met"], targets["value"])]})


def regions_first(frame: pd.DataFrame) -> pd.DataFrame:
    """Return per-group rows with the regions' own money first, then the municipalities', each in county-code order."""
    order = {"regions": 0, "municipalities": 1}
    key = frame["group"].map(lambda g: order.get(g, 2))
    return frame.assign(_o=key).sort_values(["_o", "county_code"]).drop(columns="_o").reset_index(drop=True)


def conclusion_text(dec: pd.DataFrame, language: str) -> str:
    """Return what the decomposition says, measured: per recipient group, each effect's share of all effects.

    The shares are of the sum of the effects' absolute amounts over all regions, so a pot that shrank
    counts as much as one that grew; nothing here is a fixed sentence about particular years.
    """
    from ..analyses.compare import EFFECTS
    from .format import pct
    from .i18n import catalogue

    cat = catalogue(language)
    parts = [cat.t("nb20.conclusion_head")]
    for g, grp in dec.groupby("group", sort=False):
        sums = {e: float(grp[e].abs().sum()) for e in EFFECTS}
        total = sum(sums.values())
        if total == 0:
            continue
        share = {e: pct(v / total, 0, language) for e, v in sums.items()}
        parts.append(cat.t("nb20.conclusion_group", group=cat.value("groups", g), pot=share["effect_pot_growth_sek"],
                           key_share=share["effect_key_share_sek"], rule=share["effect_rule_sek"],
                           new=share["effect_new_recipient_sek"]))
    parts.append(cat.t("nb20.conclusion_note"))
    return "\n\n".join(parts)
