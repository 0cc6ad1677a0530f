"""Compare agreement years: pots by area and recipient, per-region amounts, and an exact
decomposition of each region's change into named effects.

Decomposition, per recipient group (regions; municipalities via RSS), with T the group's total,
S_r = A_r / T a region's share of it, P_r its share of the key population and D_r = S_r − P_r what
the non-population parts of the rules (care-need index, base amounts, municipal-care keys,
rounding) add:

    A_r(target) − A_r(base) = (T₁ − T₀)·S₀      effect_pot_growth
                            + T₁·(P₁ − P₀)       effect_key_share   (the population key moved)
                            + T₁·(D₁ − D₀)       effect_rule        (allocation rules changed)
                            + new money           effect_new_recipient (a group with no money in the base year)

The identity is exact in rational arithmetic; the effects are then rounded to whole kronor by
largest remainder so that they add up to the change to the krona.
"""
from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from ..analyses.distributions import distribution, implied_key_2017
from ..record.tables import load_table
from ..paths import RAW

EFFECTS = ["effect_pot_growth_sek", "effect_key_share_sek", "effect_rule_sek", "effect_new_recipient_sek"]
GROUPS = {"regions": "regions", "regions_for_skr": "regions", "municipalities_via_rss": "municipalities_via_rss"}
AREA_LABELS = {"nara_vard": "Nära vård / primärvård", "general_boost": "Generell resursförstärkning",
               "child_health": "Barnhälsovård", "staff": "Vårdens medarbetare", "nurse_training": "Vidareutbildning sjuksköterskor",
               "career_posts": "Karriärtjänster", "ehealth": "E-hälsa / 1177", "ambulance": "Ambulanssjukvård",
               "skr_support": "Stöd via SKL/SKR"}


def pots_by_area(raw_dir: Path = RAW) -> pd.DataFrame:
    """Return every year's pots on the harmonised area taxonomy, with recipient and section."""
    rules = load_table("allocation_rules", raw_dir)
    areas = load_table("area_taxonomy", raw_dir)
    m = rules[["year", "pot_id", "amount_sek", "recipient", "stated_in"]].merge(
        areas[["year", "pot_id", "area", "source_section", "note"]], on=["year", "pot_id"], how="left",
        validate="one_to_one")
    if m["area"].isna().any():
        missing = m.loc[m["area"].isna(), ["year", "pot_id"]].to_records(index=False).tolist()
        raise ValueError(f"pots without an area in rules/area_taxonomy.csv: {missing}")
    m["area_label"] = m["area"].map(AREA_LABELS)
    return m


def area_matrix(pots: pd.DataFrame) -> pd.DataFrame:
    """Return MSEK per area (rows) and year (columns), with recipient detail."""
    t = pots.pivot_table(index=["area_label", "recipient"], columns="year", values="amount_sek",
                         aggfunc="sum", fill_value=0)
    return (t / 1e6).round(1)


def region_amounts(year: int, raw_dir: Path = RAW) -> pd.DataFrame:
    """Return per region and recipient group: amount, key population, and whether it is an estimate."""
    d = distribution(year, raw_dir)
    d["group"] = d["recipient"].map(GROUPS)
    g = d.groupby(["group", "county_code", "region"], as_index=False).agg(
        amount_sek=("amount_sek", "sum"), key_population=("key_population", "first"), estimate=("estimate", "any"))
    if year == 2017:
        # the 1 Nov 2016 key is not printed: use the shares the printed tables imply (labelled)
        k = implied_key_2017(raw_dir)
        g = g.merge(k[["county_code", "share_tabell1"]], on="county_code", how="left")
        g["key_share"] = g["share_tabell1"]
        g = g.drop(columns="share_tabell1")
    else:
        pop = g["key_population"].astype("Float64")
        g["key_share"] = pop / pop.groupby(g["group"]).transform("sum")
    g["error_bound_sek"] = 0
    if year == 2019 and bool(g["estimate"].any()):
        from ..analyses.distributions import estimate_2019

        est = estimate_2019(raw_dir)
        bound = est[est["pot_id"] == "total_regions"].set_index("county_code")["error_bound_sek"]
        g["error_bound_sek"] = g["county_code"].map(bound).fillna(0).astype("int64")
    g["year"] = year
    return g


def area_by_region(year: int, raw_dir: Path = RAW) -> pd.DataFrame:
    """Return per region and harmonised area the amount and per-capita amount of `year`."""
    d = distribution(year, raw_dir)
    areas = load_table("area_taxonomy", raw_dir)
    area_of_pot = dict(zip(zip(areas["year"], areas["pot_id"]), areas["area"]))
    if year == 2019:
        d["area"] = [area_of_pot[(2019, c)] for c in d["column"]]
    else:
        cols = load_table("printed_columns", raw_dir)
        pots_of = {(t, c): str(p).split(";")[0] for t, c, p in zip(cols["table"], cols["column"], cols["pots"])}
        d["area"] = [area_of_pot[(year, pots_of[(t, c)])] for t, c in zip(d["table"], d["column"])]
    d["area_label"] = d["area"].map(AREA_LABELS)
    g = d.groupby(["region", "area_label"], as_index=False).agg(amount_sek=("amount_sek", "sum"),
                                                                 key_population=("key_population", "first"))
    g["per_capita_sek"] = g["amount_sek"] / g["key_population"].astype("Float64")
    return g


def _round_to_total(values: list[Fraction], total: int) -> list[int]:
    """Round exact values to integers that add up to `total` (largest remainder, signed)."""
    floors = [math.floor(v) for v in values]
    missing = total - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return floors


def decompose(base_year: int, target_year: int, raw_dir: Path = RAW) -> pd.DataFrame:
    """Return each region's change per recipient group, split into effects that add up exactly."""
    base, target = region_amounts(base_year, raw_dir), region_amounts(target_year, raw_dir)
    rows = []
    for group in sorted(set(base["group"]) | set(target["group"])):
        b = base[base["group"] == group].set_index("county_code")
        t = target[target["group"] == group].set_index("county_code")
        codes = list(t.index) if len(t) else list(b.index)
        T0 = int(b["amount_sek"].sum()) if len(b) else 0
        T1 = int(t["amount_sek"].sum()) if len(t) else 0
        for code in codes:
            a0 = int(b.at[code, "amount_sek"]) if code in b.index else 0
            a1 = int(t.at[code, "amount_sek"]) if code in t.index else 0
            if T0 == 0 or T1 == 0:
                exact = [Fraction(0), Fraction(0), Fraction(0), Fraction(a1 - a0)]
            else:
                s0, s1 = Fraction(a0, T0), Fraction(a1, T1)
                p0, p1 = Fraction(str(b.at[code, "key_share"])), Fraction(str(t.at[code, "key_share"]))
                exact = [(T1 - T0) * s0, T1 * (p1 - p0), T1 * ((s1 - p1) - (s0 - p0)), Fraction(0)]
            assert sum(exact) == a1 - a0
            region = str(t.at[code, "region"]) if code in t.index else str(b.at[code, "region"])
            bound = int(b.at[code, "error_bound_sek"]) if code in b.index else 0
            bound += int(t.at[code, "error_bound_sek"]) if code in t.index else 0
            rows.append({"region_code": code, "region": region, "recipient": group, "base_sek": a0,
                         "target_sek": a1, "change_sek": a1 - a0,
                         **dict(zip(EFFECTS, _round_to_total(exact, a1 - a0))),
                         "estimate_error_bound_sek": bound,
                         "estimate": bool((b.at[code, "estimate"] if code in b.index else False)
                                          or (t.at[code, "estimate"] if code in t.index else False))})
    out = pd.DataFrame(rows)
    out.insert(0, "target_year", target_year)
    out.insert(0, "base_year", base_year)
    return out


def region_comparison(base_year: int, target_year: int, raw_dir: Path = RAW) -> pd.DataFrame:
    """Return per region (regional money): amounts, per-capita amounts, change in kr and %, ranks."""
    rows = []
    for y in (base_year, target_year):
        g = region_amounts(y, raw_dir)
        g = g[g["group"] == "regions"].copy()
        g["per_capita_sek"] = g["amount_sek"] / g["key_population"].astype("Float64")
        # ranks on whole kronor per inhabitant: under a pure population key every region ties
        g["rank_per_capita"] = g["per_capita_sek"].round(0).rank(ascending=False, method="min").astype("Int64")
        rows.append(g.set_index("region")[["county_code", "amount_sek", "key_population", "per_capita_sek",
                                           "rank_per_capita", "estimate", "error_bound_sek"]].add_suffix(f"_{y}"))
    m = rows[0].join(rows[1], how="outer")
    m["change_sek"] = m[f"amount_sek_{target_year}"] - m[f"amount_sek_{base_year}"]
    m["estimate_error_bound_sek"] = m[f"error_bound_sek_{base_year}"] + m[f"error_bound_sek_{target_year}"]
    m["change_pct"] = m["change_sek"] / m[f"amount_sek_{base_year}"] * 100
    m["per_capita_change_sek"] = m[f"per_capita_sek_{target_year}"] - m[f"per_capita_sek_{base_year}"]
    m["rank_change"] = m[f"rank_per_capita_{base_year}"] - m[f"rank_per_capita_{target_year}"]
    return m.reset_index().sort_values("change_pct", ascending=False).reset_index(drop=True)


def gini(values: np.ndarray) -> float:
    """Return the Gini coefficient of non-negative values (0 = all equal), unweighted."""
    v = np.sort(np.asarray(values, dtype=float))
    n = len(v)
    if n == 0 or v.sum() == 0:
        return float("nan")
    return float((2 * np.arange(1, n + 1) - n - 1).dot(v) / (n * v.sum()))


def concentration(years: list[int], raw_dir: Path = RAW) -> pd.DataFrame:
    """Return per year and recipient group the spread of per-capita amounts across the 21 regions."""
    out = []
    for y in years:
        g = region_amounts(y, raw_dir)
        for group, grp in g.groupby("group"):
            pc = (grp["amount_sek"] / grp["key_population"].astype("Float64")).astype(float)
            if pc.isna().all():
                continue
            w = grp["key_population"].astype(float)
            mean_w = float(np.average(pc, weights=w))
            out.append({"year": y, "recipient": group, "mean_per_capita_sek": float(pc.mean()),
                        "national_per_capita_sek": mean_w,
                        "cv": float(pc.std(ddof=0) / pc.mean()),
                        "cv_population_weighted": float(np.sqrt(np.average((pc - mean_w) ** 2, weights=w)) / mean_w),
                        "gini": gini(pc.to_numpy()), "min_per_capita_sek": float(pc.min()),
                        "max_per_capita_sek": float(pc.max()), "estimate": bool(grp["estimate"].any())})
    return pd.DataFrame(out)


def key_inputs(raw_dir: Path = RAW) -> pd.DataFrame:
    """Return the keys' inputs by region: population 2018 (est.), 2019, 2020; municipal-care recipients 2018, 2019."""
    from ..analyses.keys import population_key_2018_11_01

    k18, est = population_key_2018_11_01(raw_dir)
    b2 = load_table("2020_bilaga2_per_region", raw_dir)[["county_code", "region", "population"]]
    b4 = load_table("2021_bilaga4_per_region", raw_dir)[["county_code", "population"]]
    m20 = load_table("2020_bilaga3_municipalities_per_county", raw_dir)[["county_code", "municipal_care_patients"]]
    m21 = load_table("2021_bilaga3_municipalities_per_county", raw_dir)[["county_code", "municipal_care_recipients"]]
    out = (b2.rename(columns={"population": "population_2019_11_01"})
           .merge(k18[["county_code", "population"]].rename(columns={"population": "population_2018_11_01"}), on="county_code")
           .merge(b4.rename(columns={"population": "population_2020_11_01"}), on="county_code")
           .merge(m20.rename(columns={"municipal_care_patients": "municipal_care_2018"}), on="county_code")
           .merge(m21.rename(columns={"municipal_care_recipients": "municipal_care_2019"}), on="county_code"))
    out["population_2018_is_estimate"] = est
    p = ["population_2018_11_01", "population_2019_11_01", "population_2020_11_01"]
    out = out[["county_code", "region", *p, "population_2018_is_estimate", "municipal_care_2018", "municipal_care_2019"]]
    out["population_growth_2019_2020_pct"] = (out[p[2]] / out[p[1]] - 1) * 100
    out["municipal_care_change_pct"] = (out["municipal_care_2019"] / out["municipal_care_2018"] - 1) * 100
    return out
