"""One region's profile, read from the derived tables of the other notebooks (nothing recomputed).

The distributions (`distribution_<year>`, report 10), the decompositions (`decomposition_<a>_<b>`,
report 20) and the reconciliation (`reconciliation`, report 05) are filtered to one county code and
shaped for the reader; the national figures are the sums over the 21 regions of the same tables.
"""
from __future__ import annotations

import pandas as pd

from ..analyses import compare
from ..record.record import Record
from .derived import has_derived, read_derived


def read_distributions(years: list[int]) -> dict[int, pd.DataFrame]:
    """Return the distribution table of each year that has per-region rows (years without any are left out)."""
    from ..analyses.distributions import DTYPES

    out = {}
    for y in years:
        d = read_derived(f"distribution_{y}", dtype=DTYPES)
        if len(d):
            out[y] = d
    return out


def money_by_area(dists: dict[int, pd.DataFrame], county_code: str, labels: dict[str, str], order: dict[str, int],
                  group: str = "regions") -> pd.DataFrame:
    """Return the region's money per harmonised area (rows, taxonomy order) and year (columns amount_sek_<year>)."""
    frames = [d[(d["county_code"] == county_code) & (d["group"] == group)] for d in dists.values()]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["area_label"])
    d = pd.concat(frames, ignore_index=True)
    t = d.pivot_table(index="area", columns="year", values="amount_sek", aggfunc="sum", fill_value=0)
    t = t.loc[sorted(t.index, key=lambda a: order.get(a, 99))]
    t.columns = [f"amount_sek_{y}" for y in t.columns]
    t.index = [labels.get(a, a) for a in t.index]
    return t.rename_axis("area_label").reset_index()


def per_capita_vs_nation(dists: dict[int, pd.DataFrame], county_code: str, group: str = "regions") -> pd.DataFrame:
    """Return per year: the region's kronor per inhabitant of the key population against the whole country's."""
    rows = []
    for y, d in sorted(dists.items()):
        g = compare.region_amounts(d)
        g = g[(g["group"] == group) & g["key_population"].notna()]
        if g.empty or county_code not in set(g["county_code"]):
            continue
        r = g[g["county_code"] == county_code].iloc[0]
        region_pc = float(r["amount_sek"]) / float(r["key_population"])
        nation_pc = float(g["amount_sek"].sum()) / float(g["key_population"].astype(float).sum())
        rows.append({"year": int(y), "amount_sek": int(r["amount_sek"]), "key_population": int(r["key_population"]),
                     "region_per_capita_sek": region_pc, "national_per_capita_sek_year": nation_pc,
                     "difference_pct": (region_pc / nation_pc - 1) * 100, "estimate": bool(r["estimate"])})
    return pd.DataFrame(rows, columns=["year", "amount_sek", "key_population", "region_per_capita_sek",
                                       "national_per_capita_sek_year", "difference_pct", "estimate"])


def consecutive_pairs(dists: dict[int, pd.DataFrame]) -> list[tuple[int, int, str]]:
    """Return (base, target, group) for each group's consecutive years with per-region money."""
    pairs = []
    for group in compare.COMPARED_GROUPS:
        years = sorted(y for y, d in dists.items() if group in set(d["group"]))
        pairs += [(a, b, group) for a, b in zip(years, years[1:])]
    return pairs


def changes(dists: dict[int, pd.DataFrame], county_code: str) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """Return each change of the region's money decomposed (read from report 20), and the pairs not decomposed."""
    rows, missing = [], []
    for a, b, group in consecutive_pairs(dists):
        name = f"decomposition_{a}_{b}"
        if not has_derived(name):
            missing.append((a, b))
            continue
        dec = read_derived(name)
        hit = dec[(dec["county_code"] == county_code) & (dec["group"] == group)]
        for _, r in hit.iterrows():
            rows.append({"period": f"{a} → {b}", "group": group, "base_sek": int(r["base_sek"]),
                         "target_sek": int(r["target_sek"]), "change_sek": int(r["change_sek"]),
                         **{e: int(r[e]) for e in compare.EFFECTS}, "estimate": bool(r["estimate"])})
    return pd.DataFrame(rows), sorted(set(missing))


def cells_of(cells: pd.DataFrame, county_code: str) -> pd.DataFrame:
    """Return the reconciliation verdicts of the region's printed cells, by year."""
    c = cells[cells["county_code"].astype(str).str.zfill(2) == county_code]
    return c.sort_values(["year", "table", "column"]).reset_index(drop=True)


def target_status(record: Record, region: str) -> pd.DataFrame:
    """Return each quantified target of the agreements with the region's latest published value, or none."""
    targets = record.table("targets").data
    obs = record.table("ext_regular_doctor_observations").data
    rows = []
    for _, t in targets.iterrows():
        if t["geography"] != "each region":
            continue
        o = obs[(obs["indicator"] == t["indicator"]) & (obs["geography"] == region)].sort_values("period_end")
        value = float(o["value"].iloc[-1]) if len(o) else None
        quantified = t["comparator"] == ">=" and pd.notna(t["value"])
        met = (value >= float(t["value"])) if (value is not None and quantified) else None
        rows.append({"target_id": t["target_id"], "deadline": t["deadline"], "target_value": t["value"] if quantified else None,
                     "value": value, "period_end": o["period_end"].iloc[-1] if len(o) else None,
                     "source": o["source"].iloc[-1] if len(o) else None, "met": met})
    return pd.DataFrame(rows)
