"""Each year's distribution per region: amounts, key population, per-capita amounts, shares.

One long table per agreement year, built from the record alone:
- every printed allocation column (rules/printed_columns.csv) as printed, in kronor;
- every pot whose result is not printed but whose key the record holds (printed, derived or
  ESTIMATED, rules/population_keys.csv) split by that key, with the spread of the estimators as
  its bound. A pot with neither a printed table nor a key gives no per-region rows.
"""
from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ..record.record import Record
from .allocation import allocate
from .keys import PopulationKey, population_key

LONG_COLUMNS = ["year", "recipient", "group", "area", "table", "column", "county_code", "region", "amount_sek",
                "key_population", "key_share", "per_capita_sek", "amount_share", "population_share", "estimate",
                "error_bound_sek"]
DTYPES = {"year": "int64", "county_code": "string", "amount_sek": "int64", "key_population": "Int64",
          "estimate": "boolean", "error_bound_sek": "int64"}  # of a distribution table read back from CSV
NOT_DISTRIBUTED = {"sum", "base_part", "rest_part", "cni"}  # printed parts that repeat other columns


def to_kronor(values: pd.Series, column: str) -> pd.Series:
    """Return amounts in whole kronor from a column in kronor (`*_sek`) or in MSEK (`*_msek`)."""
    if column.endswith("_msek"):
        return values.map(lambda v: int(Decimal(str(v)) * 1_000_000)).astype("int64")
    return values.astype("int64")


def _lookup(record: Record) -> tuple[dict[tuple[int, str], pd.Series], dict[tuple[int, str], str], dict[str, str]]:
    rules = record.table("allocation_rules").data
    areas = record.table("area_taxonomy").data
    groups = record.table("recipients").data
    rule_of = {(int(r["year"]), str(r["pot_id"])): r for _, r in rules.iterrows()}
    area_of = {(int(y), str(p)): str(a) for y, p, a in zip(areas["year"], areas["pot_id"], areas["area"])}
    group_of = dict(zip(groups["recipient"], groups["group"]))
    return rule_of, area_of, group_of


def _long(year: int, recipient: str, group: str, area: str, table: str, column: str, codes: pd.Series,
          regions: pd.Series, amount: pd.Series, key: pd.DataFrame | None, estimate: bool,
          bound: pd.Series | None) -> pd.DataFrame:
    df = pd.DataFrame({"year": year, "recipient": recipient, "group": group, "area": area, "table": table,
                       "column": column, "county_code": list(codes), "region": list(regions),
                       "amount_sek": list(amount)})
    df["amount_sek"] = df["amount_sek"].astype("int64")
    if key is not None:
        k = key.set_index("county_code")
        df["key_population"] = pd.array(k["population"].reindex(df["county_code"]).tolist(), dtype="Int64")
        df["key_share"] = k["share"].reindex(df["county_code"]).to_numpy()
    else:
        df["key_population"] = pd.array([pd.NA] * len(df), dtype="Int64")
        df["key_share"] = float("nan")
    pop = df["key_population"].astype("Float64")
    df["per_capita_sek"] = df["amount_sek"] / pop
    df["amount_share"] = df["amount_sek"] / df["amount_sek"].sum()
    df["population_share"] = pop / pop.sum()
    df["estimate"] = estimate
    df["error_bound_sek"] = list(bound) if bound is not None else 0
    return df


def _printed_key(record: Record, table: str, rule: pd.Series | None) -> pd.DataFrame | None:
    """The key population of a printed table: its own population column, else the rule's key date."""
    data = record.table(table).data
    if "population" in data:
        pop = [int(v) for v in data["population"]]
        return pd.DataFrame({"county_code": data["county_code"], "population": pop,
                             "share": [p / sum(pop) for p in pop]})
    if rule is not None and pd.notna(rule["key_reference_date"]):
        return population_key(record, rule["key_reference_date"]).frame
    return None


def distribution(record: Record, year: int) -> pd.DataFrame:
    """Return one row per region and allocation of `year`: printed columns, and pots split by a known key."""
    record.check_year(year)
    rule_of, area_of, group_of = _lookup(record)
    specs = record.table("printed_columns").data
    specs = specs[(specs["year"] == year) & ~specs["kind"].isin(NOT_DISTRIBUTED)]
    parts = []
    printed_pots: set[str] = set()
    for _, s in specs.iterrows():
        pots = [p for p in str(s["pots"]).split(";") if p]
        printed_pots.update(pots)
        rule = rule_of[(year, pots[0])]
        t = record.table(str(s["table"]))
        column = str(s["column"])
        recipient = str(rule["recipient"])
        parts.append(_long(year, recipient, group_of[recipient], area_of[(year, pots[0])], t.spec.name, column,
                           t.data["county_code"], t.data["region"], to_kronor(t.data[column], column),
                           _printed_key(record, t.spec.name, rule), False, None))
    for (y, pot_id), rule in rule_of.items():
        if y != year or pot_id in printed_pots or pd.isna(rule["key_reference_date"]) or rule["key"] != "population":
            continue
        key = population_key(record, rule["key_reference_date"])
        parts.append(_split_by_key(year, rule, key, area_of[(year, pot_id)], group_of[str(rule["recipient"])]))
    if not parts:
        return pd.DataFrame(columns=LONG_COLUMNS)
    return pd.concat(parts, ignore_index=True)[LONG_COLUMNS]


def _split_by_key(year: int, rule: pd.Series, key: PopulationKey, area: str, group: str,
                  rounding: str = "largest_remainder") -> pd.DataFrame:
    """Split one pot by a population key; for an estimated key, bound by each estimator's split."""
    amount = int(rule["amount_sek"])
    f = key.frame
    main = allocate(amount, f["population"].astype("int64"), rounding=rounding)  # type: ignore[arg-type]
    bound = None
    if key.estimate and not key.candidates.empty:
        devs = [(main - allocate(amount, key.candidates[c].astype("int64"), rounding=rounding)).abs()  # type: ignore[arg-type]
                for c in key.candidates.columns if c != "county_code"]
        bound = pd.concat(devs, axis=1).max(axis=1)
    return _long(year, str(rule["recipient"]), group, area, f"estimated from the {key.label} key" if key.estimate
                 else f"split by the {key.label} key", str(rule["pot_id"]), f["county_code"], f["region"], main,
                 f, key.estimate, bound)


def per_region_totals(dist: pd.DataFrame) -> pd.DataFrame:
    """Return each region's total per recipient group, per-capita amount and share against population share."""
    g = dist.groupby(["year", "group", "county_code", "region"], as_index=False).agg(
        amount_sek=("amount_sek", "sum"), key_population=("key_population", "first"), estimate=("estimate", "any"),
        error_bound_sek=("error_bound_sek", "sum"))
    g["per_capita_sek"] = g["amount_sek"] / g["key_population"].astype("Float64")
    tot = g.groupby("group")["amount_sek"].transform("sum")
    ptot = g.groupby("group")["key_population"].transform(lambda s: s.astype("Float64").sum())
    g["amount_share"] = g["amount_sek"] / tot
    g["population_share"] = g["key_population"].astype("Float64") / ptot
    g["share_ratio"] = g["amount_share"] / g["population_share"]
    return g.sort_values(["group", "county_code"]).reset_index(drop=True)


def implied_keys(record: Record, year: int) -> pd.DataFrame:
    """Return, for each printed column whose key is implied by another printed column, both shares and their gap.

    Each printed amount is rounded to the krona, so a share is known to ±0.5/pot; two columns
    imply the same key when their shares differ by less than 0.5/pot₁ + 0.5/pot₂.
    """
    specs = record.table("printed_columns").data
    specs = specs[(specs["year"] == year) & (specs["kind"] == "implied_key")]
    out = []
    seen: set[frozenset[str]] = set()
    for _, s in specs.iterrows():
        t = record.table(str(s["table"]))
        col = str(s["column"])
        other_table, other_col = str(s["alternative_keys"]).split(".")
        pair = frozenset({f"{t.spec.name}.{col}", f"{other_table}.{other_col}"})
        if pair in seen:
            continue
        seen.add(pair)
        o = record.table(other_table)
        p1, p2 = int(t.total[col]), int(o.total[other_col])  # type: ignore[index]
        other = o.data.set_index("county_code")[other_col].reindex(t.data["county_code"])
        df = pd.DataFrame({"column": col, "other_column": other_col, "county_code": t.data["county_code"],
                           "region": t.data["region"], "share": t.data[col].astype(float).to_numpy() / p1,
                           "other_share": other.astype(float).to_numpy() / p2})
        df["share_gap"] = df["share"] - df["other_share"]
        df["rounding_bound"] = 0.5 / p1 + 0.5 / p2
        df["same_key"] = df["share_gap"].abs() <= df["rounding_bound"]
        out.append(df)
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def estimated_keys(record: Record, year: int) -> list[PopulationKey]:
    """Return the estimated population keys the pots of `year` rest on (empty when every key is known)."""
    rules = record.year_rules(year)
    dates = sorted({d for d in rules["key_reference_date"].dropna()})
    keys = [population_key(record, d) for d in dates]
    return [k for k in keys if k.estimate]


def describe_key(key: PopulationKey, dist: pd.DataFrame) -> str:
    """Return, in Markdown, what an estimated key rests on and how far the amounts built on it may be off."""
    rows = dist[dist["estimate"]]
    per_region = rows.groupby(["county_code", "region"], as_index=False)["error_bound_sek"].sum()
    worst = per_region.loc[per_region["error_bound_sek"].idxmax()] if len(per_region) else None
    from ..reports.format import kr, md_text

    total = int(rows["amount_sek"].sum())
    text = (f"**ESTIMATE.** The key of {key.label} is not in the record. {md_text(key.note)}. "
            f"The {kr(total)} kr built on it are split by that estimate; each amount's bound is the largest "
            f"distance to the split under any single estimator ({', '.join(key.candidates.columns.drop('county_code'))}).")
    if worst is not None:
        text += (f" Largest bound: **{kr(worst['error_bound_sek'])} kr** ({worst['region']}); summed over the regions "
                 f"{kr(per_region['error_bound_sek'].sum())} kr. The bound assumes the true key lies between the "
                 "estimators; it is not a measured error.")
    return text
