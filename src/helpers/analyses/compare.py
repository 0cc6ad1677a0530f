"""Compare agreement years: pots by area and recipient, per-region amounts, and an exact
decomposition of each region's change into named effects.

Everything here works on the year distributions (helpers.analyses.distributions, or the
`distribution_<year>` tables notebook 10 writes), so a comparison never recomputes a year.

Decomposition, per recipient group (regions; municipalities), with T the group's total,
S_r = A_r / T a region's share of it, P_r its share of the key population and D_r = S_r − P_r what
the non-population parts of the rules (care-need index, base amounts, municipal-care keys,
rounding) add:

    A_r(target) − A_r(base) = (T₁ − T₀)·S₀      effect_pot_growth
                            + T₁·(P₁ − P₀)       effect_key_share   (the population key moved)
                            + T₁·(D₁ − D₀)       effect_rule        (allocation rules changed)
                            + new money           effect_new_recipient (a group with no money in the base year)

Where a year states no key (its key share is unknown), P₁ = P₀ is taken: the key-share effect is
then 0 and the rule effect holds both (`key_effect_separable` is False).
The identity is exact in rational arithmetic; the effects are then rounded to whole kronor by
largest remainder so that they add up to the change to the krona.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd

from ..record.record import Record

EFFECTS = ["effect_pot_growth_sek", "effect_key_share_sek", "effect_rule_sek", "effect_new_recipient_sek"]
COMPARED_GROUPS = ("regions", "municipalities")  # groups whose money is split per county


def pots_by_area(record: Record, language: str = "sv") -> pd.DataFrame:
    """Return every year's pots on the harmonised area taxonomy, with recipient, group and labels."""
    rules = record.table("allocation_rules").data
    areas = record.table("area_taxonomy").data
    m = rules[["year", "pot_id", "amount_sek", "recipient", "stated_in", "amount_basis"]].merge(
        areas[["year", "pot_id", "area", "source_section", "note"]], on=["year", "pot_id"], how="left",
        validate="one_to_one")
    if m["area"].isna().any():
        missing = m.loc[m["area"].isna(), ["year", "pot_id"]].to_records(index=False).tolist()
        raise ValueError(f"pots without an area in rules/area_taxonomy.csv: {missing}")
    labels = record.area_labels(language)
    unknown = sorted(set(m["area"]) - set(labels))
    if unknown:
        from ..errors import DataError

        raise DataError("data/raw/rules/area_taxonomy.csv", f"area(s) {', '.join(unknown)} not in rules/areas.csv",
                        column="area")
    order = dict(zip(record.table("areas").data["area"], record.table("areas").data["order"]))
    groups = record.table("recipients").data.set_index("recipient")
    m["area_label"] = m["area"].map(labels)
    m["area_order"] = m["area"].map(order)
    m["group"] = m["recipient"].map(groups["group"])
    m["recipient_label"] = m["recipient"].map(groups[f"label_{language}"])
    return m


def area_matrix(pots: pd.DataFrame) -> pd.DataFrame:
    """Return MSEK per area (rows, in the taxonomy's order) and year (columns), with recipient detail."""
    t = pots.pivot_table(index=["area_order", "area_label", "recipient_label"], columns="year", values="amount_sek",
                         aggfunc="sum", fill_value=0)
    t = t.droplevel("area_order")
    return (t / 1e6).round(3)


def region_amounts(dist: pd.DataFrame) -> pd.DataFrame:
    """Return per region and recipient group: amount, key population, key share, estimate and bound."""
    d = dist[dist["group"].isin(COMPARED_GROUPS)]
    g = d.groupby(["year", "group", "county_code", "region"], as_index=False).agg(
        amount_sek=("amount_sek", "sum"), key_population=("key_population", "first"),
        key_share=("key_share", "first"), estimate=("estimate", "any"), error_bound_sek=("error_bound_sek", "sum"))
    g["error_bound_sek"] = g["error_bound_sek"].astype("int64")
    return g


def _round_to_total(values: list[Fraction], total: int) -> list[int]:
    """Round exact values to integers that add up to `total` (largest remainder, signed)."""
    floors = [math.floor(v) for v in values]
    missing = total - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return floors


def _share(value: object) -> Fraction | None:
    return None if value is None or pd.isna(value) else Fraction(str(value))


def funded_groups(record: Record, year: int) -> set[str]:
    """Return the recipient groups that get money in `year` according to its rules."""
    rules = record.year_rules(year)
    groups = record.table("recipients").data.set_index("recipient")["group"]
    return set(rules.loc[rules["amount_sek"] > 0, "recipient"].map(groups))


def decompose(base_dist: pd.DataFrame, target_dist: pd.DataFrame, record: Record | None = None) -> pd.DataFrame:
    """Return each region's change per recipient group, split into effects that add up exactly.

    A group with per-region figures in one year only is money that is new (or gone) — unless, given
    `record`, the other year's rules show money for it that is not printed per region: then the
    group is not compared, and `attrs["not_compared"]` says so.
    """
    base, target = region_amounts(base_dist), region_amounts(target_dist)
    base_year, target_year = int(base_dist["year"].iloc[0]), int(target_dist["year"].iloc[0])
    rows = []
    groups = sorted(set(base["group"]) | set(target["group"]))
    not_compared = []
    if record is not None:
        for g in list(groups):
            in_b, in_t = g in set(base["group"]), g in set(target["group"])
            if (in_b and not in_t and g in funded_groups(record, target_year)) or \
               (in_t and not in_b and g in funded_groups(record, base_year)):
                not_compared.append(g)
                groups.remove(g)
    for group in groups:
        b = base[base["group"] == group].set_index("county_code")
        t = target[target["group"] == group].set_index("county_code")
        codes = list(t.index) if len(t) else list(b.index)
        T0 = int(b["amount_sek"].sum()) if len(b) else 0
        T1 = int(t["amount_sek"].sum()) if len(t) else 0
        for code in codes:
            a0 = int(b.at[code, "amount_sek"]) if code in b.index else 0
            a1 = int(t.at[code, "amount_sek"]) if code in t.index else 0
            separable = True
            if T0 == 0 or T1 == 0:
                exact = [Fraction(0), Fraction(0), Fraction(0), Fraction(a1 - a0)]
            else:
                s0, s1 = Fraction(a0, T0), Fraction(a1, T1)
                p0, p1 = _share(b.at[code, "key_share"]), _share(t.at[code, "key_share"])
                if p0 is None or p1 is None:
                    separable = False
                    p0 = p1 = p0 if p0 is not None else (p1 if p1 is not None else s0)
                exact = [(T1 - T0) * s0, T1 * (p1 - p0), T1 * ((s1 - p1) - (s0 - p0)), Fraction(0)]
            assert sum(exact) == a1 - a0
            region = str(t.at[code, "region"]) if code in t.index else str(b.at[code, "region"])
            bound = (int(b.at[code, "error_bound_sek"]) if code in b.index else 0) + \
                    (int(t.at[code, "error_bound_sek"]) if code in t.index else 0)
            rows.append({"base_year": base_year, "target_year": target_year, "county_code": code, "region": region,
                         "group": group, "base_sek": a0, "target_sek": a1, "change_sek": a1 - a0,
                         **dict(zip(EFFECTS, _round_to_total(exact, a1 - a0))),
                         "key_effect_separable": separable, "estimate_error_bound_sek": bound,
                         "estimate": bool((b.at[code, "estimate"] if code in b.index else False)
                                          or (t.at[code, "estimate"] if code in t.index else False))})
    out = pd.DataFrame(rows)
    out.attrs["not_compared"] = not_compared
    return out


def region_comparison(base_dist: pd.DataFrame, target_dist: pd.DataFrame, group: str = "regions") -> pd.DataFrame:
    """Return per region (one recipient group): amounts, per-capita amounts, change in kr and %, ranks."""
    frames = []
    years = []
    for dist in (base_dist, target_dist):
        g = region_amounts(dist)
        y = int(dist["year"].iloc[0])
        years.append(y)
        g = g[g["group"] == group].copy()
        g["per_capita_sek"] = g["amount_sek"] / g["key_population"].astype("Float64")
        # ranks on whole kronor per inhabitant: under a pure population key every region ties
        g["rank_per_capita"] = g["per_capita_sek"].round(0).rank(ascending=False, method="min").astype("Int64")
        frames.append(g.set_index("county_code")[["region", "amount_sek", "key_population", "per_capita_sek",
                                                  "rank_per_capita", "estimate", "error_bound_sek"]].add_suffix(f"_{y}"))
    b, t = years
    m = frames[0].join(frames[1], how="outer")
    m["region"] = m[f"region_{t}"].fillna(m[f"region_{b}"])
    m["change_sek"] = m[f"amount_sek_{t}"] - m[f"amount_sek_{b}"]
    m["estimate_error_bound_sek"] = m[f"error_bound_sek_{b}"] + m[f"error_bound_sek_{t}"]
    m["change_pct"] = m["change_sek"] / m[f"amount_sek_{b}"] * 100
    m["per_capita_change_sek"] = m[f"per_capita_sek_{t}"] - m[f"per_capita_sek_{b}"]
    m["rank_change"] = m[f"rank_per_capita_{b}"] - m[f"rank_per_capita_{t}"]
    return m.reset_index().sort_values("county_code").reset_index(drop=True)


def area_by_region(dist: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Return per region and harmonised area the amount and per-capita amount of one year."""
    d = dist[dist["group"] == "regions"].copy()
    d["area_label"] = d["area"].map(labels)
    g = d.groupby(["county_code", "region", "area_label"], as_index=False).agg(
        amount_sek=("amount_sek", "sum"), key_population=("key_population", "first"))
    g["per_capita_sek"] = g["amount_sek"] / g["key_population"].astype("Float64")
    return g


def gini(values: np.ndarray) -> float:
    """Return the Gini coefficient of non-negative values (0 = all equal), unweighted."""
    v = np.sort(np.asarray(values, dtype=float))
    n = len(v)
    if n == 0 or v.sum() == 0:
        return float("nan")
    return float((2 * np.arange(1, n + 1) - n - 1).dot(v) / (n * v.sum()))


def concentration(dists: list[pd.DataFrame]) -> pd.DataFrame:
    """Return per year and recipient group the spread of per-capita amounts across the regions."""
    out = []
    for dist in dists:
        g = region_amounts(dist)
        for (year, group), grp in g.groupby(["year", "group"]):
            pc = (grp["amount_sek"] / grp["key_population"].astype("Float64")).astype(float)
            if pc.isna().all():
                continue
            w = grp["key_population"].astype(float)
            mean_w = float(np.average(pc, weights=w))
            out.append({"year": int(year), "group": group, "mean_per_capita_sek": float(pc.mean()),
                        "national_per_capita_sek": mean_w,
                        "cv": float(pc.std(ddof=0) / pc.mean()),
                        "cv_population_weighted": float(np.sqrt(np.average((pc - mean_w) ** 2, weights=w)) / mean_w),
                        "gini": gini(pc.to_numpy()), "min_per_capita_sek": float(pc.min()),
                        "max_per_capita_sek": float(pc.max()), "estimate": bool(grp["estimate"].any())})
    return pd.DataFrame(out)


def key_inputs(record: Record, years: list[int]) -> pd.DataFrame:
    """Return the keys' inputs by region for the given years: population keys and other count keys."""
    from .keys import key_of_rule

    regions = record.registry.regions[["county_code", "region"]]
    out = regions.copy()
    rules = record.table("allocation_rules").data
    rules = rules[rules["year"].isin(years)]
    seen: set[str] = set()
    for _, rule in rules.sort_values("key_reference_date").iterrows():
        key = key_of_rule(record, rule)
        if key is None or key.frame["population"].isna().all():
            continue
        col = f"population {key.label if pd.notna(key.key_date) else key.source} ({key.basis.lower()})"
        if col in seen:
            continue
        seen.add(col)
        out = out.merge(key.frame[["county_code", "population"]].rename(columns={"population": col}), on="county_code",
                        how="left")
    for table in sorted(rules["key_table"].dropna().unique()):
        data = record.table(str(table)).data
        for c in data.columns:
            if c.startswith("municipal_care_"):
                label = f"{c.replace('_', ' ')} ({record.table(str(table)).spec.section.split(',')[0]})"
                out = out.merge(data[["county_code", c]].rename(columns={c: label}), on="county_code", how="left")
    return out
