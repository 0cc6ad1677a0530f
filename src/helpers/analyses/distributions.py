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
from .keys import PopulationKey, key_of_rule

LONG_COLUMNS = ["year", "recipient", "group", "area", "table", "column", "county_code", "region", "amount_sek",
                "key_population", "key_basis", "key_share", "per_capita_sek", "amount_share", "population_share",
                "estimate", "error_bound_sek"]
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
          bound: pd.Series | None, basis: str = "none") -> pd.DataFrame:
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
    df["key_basis"] = basis if key is not None else "no key stated or printed"
    df["estimate"] = estimate
    df["error_bound_sek"] = list(bound) if bound is not None else 0
    return df


def _printed_key(record: Record, table: str, rule: pd.Series | None) -> tuple[pd.DataFrame | None, str]:
    """The key population of a printed table: its own population column, else the rule's key date."""
    data = record.table(table).data
    if "population" in data:
        pop = [int(v) for v in data["population"]]
        return pd.DataFrame({"county_code": data["county_code"], "population": pop,
                             "share": [p / sum(pop) for p in pop]}), "PRINTED"
    key = key_of_rule(record, rule) if rule is not None else None
    return (key.frame, key.basis) if key is not None else (None, "none")


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
        key, basis = _printed_key(record, t.spec.name, rule)
        parts.append(_long(year, recipient, group_of[recipient], area_of[(year, pots[0])], t.spec.name, column,
                           t.data["county_code"], t.data["region"], to_kronor(t.data[column], column),
                           key, False, None, basis))
    for (y, pot_id), rule in rule_of.items():
        if y != year or pot_id in printed_pots or rule["key"] != "population":
            continue
        key = key_of_rule(record, rule)
        if key is None:
            continue
        parts.append(_split_by_key(year, rule, key, area_of[(year, pot_id)], group_of[str(rule["recipient"])]))
    if not parts:
        return pd.DataFrame(columns=LONG_COLUMNS)
    return pd.concat(parts, ignore_index=True)[LONG_COLUMNS]


def _split_by_key(year: int, rule: pd.Series, key: PopulationKey, area: str, group: str,
                  rounding: str = "largest_remainder") -> pd.DataFrame:
    """Split one pot by a population key; for an estimated key, with the bound that covers every estimator."""
    from .keybounds import amount_bounds

    amount = int(rule["amount_sek"])
    f = key.frame
    bound = None
    if key.estimate and not key.bounds.empty:
        cands = [c for c in key.candidates.columns if c != "county_code"]
        a = amount_bounds(amount, key.bounds, cands, rounding=rounding)  # type: ignore[arg-type]
        main, bound = a["amount_sek"].reset_index(drop=True), a["bound_sek"].reset_index(drop=True)
    else:
        main = allocate(amount, f["population"].astype("int64"), rounding=rounding)  # type: ignore[arg-type]
    return _long(year, str(rule["recipient"]), group, area, f"{key.basis.lower()}: {key.label} key",
                 str(rule["pot_id"]), f["county_code"], f["region"], main, f, key.estimate, bound, key.basis)


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


def unprinted_keys(record: Record, year: int) -> list[PopulationKey]:
    """Return the keys of `year` that are not printed: reconstructed, implied or estimated (empty when all are printed)."""
    keys: dict[object, PopulationKey] = {}
    for _, rule in record.year_rules(year).iterrows():
        k = key_of_rule(record, rule)
        if k is not None and k.method in {"reconstructed", "implied_shares", "estimated"}:
            keys[k.key_date] = k
    return [keys[d] for d in sorted(keys)]
