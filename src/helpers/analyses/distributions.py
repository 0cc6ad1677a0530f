"""Each year's distribution per region: amounts, per-capita amounts and shares, in one long table."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..analyses.allocation import allocate
from ..record.tables import load_table, read_table
from ..paths import RAW
from ..analyses.keys import population_key_2018_11_01

LONG_COLUMNS = ["year", "recipient", "table", "column", "county_code", "region", "amount_sek",
                "key_population", "per_capita_sek", "amount_share", "population_share", "estimate"]


def estimate_2019(raw_dir: Path = RAW, rounding: str = "largest_remainder") -> pd.DataFrame:
    """Return the 2019 per-region amounts of each regional pot under the best available key.

    Without SCB's 1 Nov 2018 county table the figures are estimates: the amount under the mean key,
    the amounts under each of the two estimated keys, and their spread as the error bound.
    """
    key, is_estimate = population_key_2018_11_01(raw_dir)
    rules = load_table("allocation_rules", raw_dir)
    pots = rules[(rules["year"] == 2019) & (rules["recipient"] == "regions")]
    rows = []
    for _, pot in pots.iterrows():
        amount = int(pot["amount_sek"])
        main = allocate(amount, key["population"], rounding=rounding)  # type: ignore[arg-type]
        rec = pd.DataFrame({"pot_id": pot["pot_id"], "county_code": key["county_code"], "region": key["region"],
                            "amount_sek": main, "population": key["population"], "estimate": is_estimate})
        if is_estimate:
            a = allocate(amount, key["population_dec2018"], rounding=rounding)  # type: ignore[arg-type]
            b = allocate(amount, key["population_interpolated"], rounding=rounding)  # type: ignore[arg-type]
            rec["amount_dec2018_key_sek"] = a
            rec["amount_interpolated_key_sek"] = b
            rec["error_bound_sek"] = pd.concat([(main - a).abs(), (main - b).abs()], axis=1).max(axis=1)
        rows.append(rec)
    out = pd.concat(rows, ignore_index=True)
    total = out.groupby(["county_code", "region"], as_index=False, sort=False).agg(
        amount_sek=("amount_sek", "sum"), population=("population", "first"), estimate=("estimate", "first"),
        **({"error_bound_sek": ("error_bound_sek", "sum")} if is_estimate else {}))
    total.insert(0, "pot_id", "total_regions")
    return pd.concat([out, total], ignore_index=True)


def _long(year: int, table: str, column: str, recipient: str, data: pd.DataFrame, amount: pd.Series,
          population: pd.Series | None, estimate: bool) -> pd.DataFrame:
    df = pd.DataFrame({"year": year, "recipient": recipient, "table": table, "column": column,
                       "county_code": data["county_code"], "region": data["region"],
                       "amount_sek": amount.astype("int64")})
    df["key_population"] = population.astype("Int64") if population is not None else pd.NA
    df["per_capita_sek"] = df["amount_sek"] / df["key_population"].astype("Float64")
    df["amount_share"] = df["amount_sek"] / df["amount_sek"].sum()
    df["population_share"] = df["key_population"].astype("Float64") / df["key_population"].astype("Float64").sum()
    df["estimate"] = estimate
    return df


def distribution(year: int, raw_dir: Path = RAW) -> pd.DataFrame:
    """Return one row per region and printed allocation column of `year` (2019: estimated)."""
    if year == 2019:
        est = estimate_2019(raw_dir)
        est = est[est["pot_id"] != "total_regions"]
        parts = [_long(2019, "estimate_2019", str(pid), "regions", grp.reset_index(drop=True),
                       grp["amount_sek"].reset_index(drop=True), grp["population"].reset_index(drop=True),
                       bool(grp["estimate"].iloc[0]))
                 for pid, grp in est.groupby("pot_id", sort=False)]
        return pd.concat(parts, ignore_index=True)[LONG_COLUMNS]
    specs = load_table("printed_columns", raw_dir)
    specs = specs[(specs["year"] == year) & (~specs["kind"].isin(["sum", "base_part", "rest_part", "cni"]))]
    parts = []
    for _, s in specs.iterrows():
        t = read_table(str(s["table"]), raw_dir)
        recipient = "municipalities_via_rss" if "municipalities" in str(s["table"]) else "regions"
        pop = t.data["population"] if "population" in t.data else None
        parts.append(_long(year, str(s["table"]), str(s["column"]), recipient, t.data, t.data[str(s["column"])],
                           pop, False))
    return pd.concat(parts, ignore_index=True)[LONG_COLUMNS]


def per_region_totals(dist: pd.DataFrame) -> pd.DataFrame:
    """Return each region's total per recipient, per-capita amount and share against population share."""
    g = dist.groupby(["year", "recipient", "county_code", "region"], as_index=False).agg(
        amount_sek=("amount_sek", "sum"), key_population=("key_population", "first"), estimate=("estimate", "any"))
    g["per_capita_sek"] = g["amount_sek"] / g["key_population"].astype("Float64")
    tot = g.groupby("recipient")["amount_sek"].transform("sum")
    ptot = g.groupby("recipient")["key_population"].transform(lambda s: s.astype("Float64").sum())
    g["amount_share"] = g["amount_sek"] / tot
    g["population_share"] = g["key_population"].astype("Float64") / ptot
    g["share_ratio"] = g["amount_share"] / g["population_share"]
    return g.sort_values(["recipient", "per_capita_sek"], ascending=[True, False]).reset_index(drop=True)


def implied_key_2017(raw_dir: Path = RAW) -> pd.DataFrame:
    """Return the population shares that Tabell 1 and Tabell 2 of 2017 each imply, and their gap.

    Each printed amount is rounded to the krona, so a share is known to ±0.5/pot; the two tables
    imply the same key when their shares differ by less than 0.5/655e6 + 0.5/300e6.
    """
    t = read_table("2017_bilaga1_per_county", raw_dir)
    p1, p2 = int(t.total["tabell1_stimulansmedel_sek"]), int(t.total["tabell2_specialistutbildning_sek"])  # type: ignore[index]
    d = t.data
    out = pd.DataFrame({"county_code": d["county_code"], "region": d["region"],
                        "share_tabell1": d["tabell1_stimulansmedel_sek"].astype(float) / p1,
                        "share_tabell2": d["tabell2_specialistutbildning_sek"].astype(float) / p2})
    out["share_gap"] = out["share_tabell1"] - out["share_tabell2"]
    out["rounding_bound"] = 0.5 / p1 + 0.5 / p2
    out["same_key"] = out["share_gap"].abs() <= out["rounding_bound"]
    return out


def describe_estimate_2019(raw_dir: Path = RAW) -> str:
    """Return, in Markdown, what the 2019 per-region figures rest on and how far they may be off."""
    from ..analyses.keys import national_check_2018_11_01
    from ..reports.format import kr

    key, is_estimate = population_key_2018_11_01(raw_dir)
    if not is_estimate:
        return "**Exact**: SCB's county table for 1 Nov 2018 (end of October) is in use."
    est = estimate_2019(raw_dir)
    tot = est[est["pot_id"] == "total_regions"]
    worst = tot.loc[tot["error_bound_sek"].idxmax()]
    nat = national_check_2018_11_01(key, raw_dir)
    return (f"**ESTIMATE** of the 2 406 MSEK to the regions. Largest error bound: **{kr(worst['error_bound_sek'])} kr** "
            f"({worst['region']}); summed over regions {kr(tot['error_bound_sek'].sum())} kr. The bound is the spread "
            "between a key of the 31 Dec 2018 stock and a key interpolated back to 31 Oct 2018 from the 1 Nov 2019 "
            "stock; it assumes the true key lies between them. As a check on the keys: SCB's national stock at the end "
            f"of October 2018 is {kr(nat['published_national_2018_10_31'])}; the 31 Dec 2018 key sums to "
            f"{kr(nat['sum_population_dec2018'])} and the interpolated key to {kr(nat['sum_population_interpolated'])}.")
