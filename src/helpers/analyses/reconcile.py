"""Recompute every printed allocation column from its stated rule and reconcile it cell by cell.

For each column listed in rules/printed_columns.csv:
1. the stated rule (rules/allocation_rules.csv) is recomputed under every rounding convention;
2. when no convention reproduces the print, a declared family of alternatives is searched:
   the other keys the printed inputs allow (each count column of the key table alone, the 50/50
   mix, the alternative keys named as data), the pots split together or apart, and shares rounded
   to 2–10 decimals before the pot is applied;
3. each cell gets a verdict:
   ``exact``             the stated rule reproduces the printed figure;
   ``within_rounding``   the stated rule's exact amount lies within the rounding bound of the print;
   ``stated_rule_fails`` the stated rule does not reproduce it, and ``rule`` names what does;
   ``not_reproducible``  nothing in the search reproduces it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from .allocation import ROUNDINGS, allocate, exact_amounts, mix_shares, parse_mix, to_fraction
from ..record.record import Record

VERDICTS = ("exact", "within_rounding", "stated_rule_fails", "not_reproducible")
CELL_COLUMNS = ["year", "table", "column", "county_code", "region", "published_sek", "recomputed_sek",
                "deviation_sek", "rule", "rounding", "verdict"]
APPROX_SEK = 5        # an alternative within this many kronor per cell is what the print follows
FAR_SEK = 1000        # ... when the stated rule misses by more than this
SHARE_DECIMALS = (None, 10, 9, 8, 7, 6, 5, 4, 3, 2)
KEY_LABELS = {"population": "population share", "municipal_care_patients": "share of municipal-care patients",
              "municipal_care_recipients": "share of municipal-care recipients",
              "amount_sek": "Socialstyrelsen's Bilaga 4 amounts (CNI key)"}


@dataclass(frozen=True)
class Candidate:
    """One way of recomputing a column: a description, a rounding, and the amounts it gives."""

    rule: str
    rounding: str
    amounts: list[int]
    exact: list[Fraction] | None
    stated: bool


def _key_label(mix: dict[str, Fraction], ref: str | None) -> str:
    parts = [f"{KEY_LABELS.get(k, k)}" + ("" if w == 1 else f" × {float(w):g}") for k, w in mix.items()]
    date = f" ({ref})" if ref else ""
    return " + ".join(parts) + date


def _rules(record: Record) -> pd.DataFrame:
    return record.table("allocation_rules").data.set_index(["year", "pot_id"])


def _unit(column: str) -> int:
    """Kronor per printed unit of a column: 1 for `*_sek`, 1 000 000 for `*_msek`."""
    return 1_000_000 if column.endswith("_msek") else 1


def _alternative(record: Record, data: pd.DataFrame, text: str) -> tuple[pd.DataFrame, dict[str, Fraction], str]:
    """Parse one alternative key written as data: 'table.column' or 'table.col:0.5+table.col:0.5'."""
    parts, mix, labels = {}, {}, []
    for term in text.split("+"):
        ref, _, weight = term.partition(":")
        kt, kc = ref.split(".")
        name = f"{kt}.{kc}"
        parts[name] = _align(data, record.table(kt).data, kc)
        mix[name] = Fraction(weight) if weight else Fraction(1)
        labels.append(f"{kt}.{kc}" + (f" × {float(mix[name]):g}" if weight else ""))
    return pd.DataFrame(parts), mix, "proportional to " + " + ".join(labels)


def _candidates_for_mix(pot: int, keys: pd.DataFrame, mix: dict[str, Fraction], base: int, label: str,
                        stated: bool, share_decimals: tuple[int | None, ...]) -> list[Candidate]:
    out = []
    shares = mix_shares(keys, mix)
    for sd in share_decimals:
        exact = exact_amounts(pot, shares, base_amount=base, share_decimals=sd)
        desc = label + ("" if sd is None else f", shares rounded to {sd} decimals")
        for rnd in ROUNDINGS:
            amounts = allocate(pot, shares, base_amount=base, rounding=rnd, share_decimals=sd).tolist()
            out.append(Candidate(desc, rnd, amounts, exact, stated and sd is None))
    return out


def _alternative_mixes(keys: pd.DataFrame, stated: dict[str, Fraction] | None) -> list[dict[str, Fraction]]:
    counts = [c for c in ("population", "municipal_care_patients", "municipal_care_recipients") if c in keys]
    mixes = [{c: Fraction(1)} for c in counts]
    if len(counts) == 2:
        mixes.append({counts[0]: Fraction(1, 2), counts[1]: Fraction(1, 2)})
    return [m for m in mixes if m != stated]


def _align(table: pd.DataFrame, other: pd.DataFrame, column: str) -> pd.Series:
    return table[["county_code"]].merge(other[["county_code", column]], on="county_code", how="left")[column]


def reconcile_column(record: Record, spec: pd.Series) -> tuple[pd.DataFrame, dict[str, object]]:
    """Reconcile one printed column; return its cells and a one-row summary."""
    year, table, column, kind = int(spec["year"]), str(spec["table"]), str(spec["column"]), str(spec["kind"])
    printed_t = record.table(table)
    data = printed_t.data
    unit = _unit(column)
    published = [int(v) for v in data[column]]
    rules = _rules(record)
    pots = [p for p in str(spec["pots"]).split(";") if p and p != "<NA>"]
    stated_cands: list[Candidate] = []
    alt_cands: list[Candidate] = []
    note = "" if pd.isna(spec["note"]) else str(spec["note"])
    rule_stated = True
    bound = Fraction(1, 2)

    if kind in {"rule", "base_part", "rest_part"}:
        rows = [rules.loc[(year, p)] for p in pots]
        pot_sek = sum(int(r["amount_sek"]) for r in rows)
        if pot_sek % unit:
            raise ValueError(f"{table}.{column}: the pot {pot_sek} kr is not a whole number of printed units")
        pot_total = pot_sek // unit
        r0 = rows[0]
        key_table = None if pd.isna(r0["key_table"]) else str(r0["key_table"])
        base = int(r0["base_amount_sek"]) // unit
        keys = data if key_table in (None, table) else record.table(key_table).data.set_index("county_code").reindex(
            data["county_code"]).reset_index()
        stated_mix = parse_mix(str(r0["key_mix"])) if pd.notna(r0["key_mix"]) else {}
        ref = None if pd.isna(r0["key_reference_date"]) else str(pd.Timestamp(r0["key_reference_date"]).date())
        computable = key_table is not None and bool(stated_mix) and all(k in keys for k in stated_mix)
        if key_table is None and stated_mix == {"population": 1} and ref is not None:
            # the key is not printed beside the print: take it from rules/population_keys.csv when it holds
            # populations (printed elsewhere, derived or reconstructed — never an estimate here)
            from .keys import population_key

            pk = population_key(record, ref)
            if not pk.frame["population"].isna().any() and not pk.estimate:
                keys = data[["county_code"]].merge(pk.frame[["county_code", "population"]], on="county_code", how="left")
                ref = f"{ref}, {pk.basis}"
                computable = True
        if computable and any(k.endswith("_sek") for k in stated_mix):
            # the key is itself a column of printed, rounded amounts: each is known to ±0.5 kr
            key_sum = sum(int(v) for k in stated_mix for v in keys[k])
            bound = Fraction(1, 2) + Fraction(1, 2) * Fraction(pot_total, key_sum)
        if kind == "base_part":
            stated_cands = [Candidate(f"{base:,} kr per region".replace(",", " "), "none", [base] * len(data),
                                      [Fraction(base)] * len(data), True)]
        elif computable:
            pot = pot_total - (len(data) * base if kind == "rest_part" else 0)
            b = 0 if kind == "rest_part" else base
            label = _key_label(stated_mix, ref) + (f", {base:,} kr base per region".replace(",", " ") if b else "")
            stated_cands = _candidates_for_mix(pot, keys, stated_mix, b, label, True, (None,))
            if len(rows) > 1:  # pots printed together: also split each pot on its own and add up
                for rnd in ROUNDINGS:
                    parts = [allocate(int(r["amount_sek"]) // unit, mix_shares(keys, stated_mix), rounding=rnd).tolist()
                             for r in rows]
                    stated_cands.append(Candidate(label + ", each pot split on its own", rnd,
                                                  [sum(x) for x in zip(*parts)], None, True))
            for m in _alternative_mixes(keys, stated_mix):
                alt_cands += _candidates_for_mix(pot, keys, m, b, _key_label(m, ref), False, SHARE_DECIMALS)
            alt_cands += _candidates_for_mix(pot, keys, stated_mix, b, label, False, SHARE_DECIMALS[1:])
        else:
            pot = pot_total
            rule_stated = r0["key"] != "not_stated"
            note = (note + "; " if note else "") + (f"the stated key ({r0['key']}) is not printed" if rule_stated
                                                   else "the agreement states no key")
            for m in _alternative_mixes(data, None):
                alt_cands += _candidates_for_mix(pot, data, m, 0, _key_label(m, printed_t.spec.reference_date),
                                                 False, SHARE_DECIMALS)
        if not pd.isna(spec["alternative_keys"]):
            for ref_key in str(spec["alternative_keys"]).split(";"):
                k, mix, label = _alternative(record, data, ref_key)
                alt_cands += _candidates_for_mix(pot_total, k, mix, 0, label, False, SHARE_DECIMALS)
    elif kind == "implied_key":
        (rule_row,) = [rules.loc[(year, p)] for p in pots]
        pot = int(rule_row["amount_sek"])
        kt, kc = str(spec["alternative_keys"]).split(".")
        other = record.table(kt).data
        other_pot = int(record.table(kt).total[kc])  # type: ignore[index]
        k = pd.DataFrame({kc: _align(data, other, kc)})
        # the other column is itself rounded: its key is known to ±0.5 kr per cell
        bound = Fraction(1, 2) + Fraction(1, 2) * Fraction(pot, other_pot)
        stated_cands = _candidates_for_mix(pot, k, {kc: Fraction(1)}, 0,
                                           f"population key implied by {kc} (the same key, as §7.1 states)", True, (None,))
    elif kind == "cni":
        (rule_row,) = [rules.loc[(year, p)] for p in pots]
        pot = int(rule_row["amount_sek"])
        children = [int(v) for v in data["children_0_6"]]
        n = sum(children)
        cni = [to_fraction(v) for v in data["relative_cni_printed"]]
        exact = [Fraction(pot) * c * x / n for c, x in zip(children, cni)]
        # the printed CNI has two decimals: an amount is consistent with it when the CNI it
        # implies rounds to the printed value
        implied = [Fraction(p) * n / (pot * c) for p, c in zip(published, children)]
        consistent = [round(float(i), 2) == float(x) for i, x in zip(implied, cni)]
        amounts = [math.floor(e + Fraction(1, 2)) for e in exact]
        cells = pd.DataFrame({
            "year": year, "table": table, "column": column, "county_code": data["county_code"],
            "region": data["region"], "published_sek": published, "recomputed_sek": amounts,
            "deviation_sek": [p - a for p, a in zip(published, amounts)],
            "rule": "pot × share of children 0–6 × relative CNI, not renormalised (CNI known to two decimals)",
            "rounding": "half_up",
            "verdict": ["within_rounding" if ok else "not_reproducible" for ok in consistent]})
        return cells, _summary(cells, printed_t, column, note + "; implied CNI = amount × Σchildren / (pot × children)")
    elif kind == "sum":
        return pd.DataFrame(columns=CELL_COLUMNS), {}
    else:
        raise ValueError(f"unknown column kind '{kind}'")

    cells = _verdicts(published, stated_cands, alt_cands, bound, unit, rule_stated)
    for c in ("published_sek", "recomputed_sek", "deviation_sek"):  # report in kronor whatever the printed unit
        cells[c] = cells[c] * unit
    cells.insert(0, "region", data["region"].tolist())
    cells.insert(0, "county_code", data["county_code"].tolist())
    cells.insert(0, "column", column)
    cells.insert(0, "table", table)
    cells.insert(0, "year", year)
    return cells[CELL_COLUMNS], _summary(cells, printed_t, column, note, unit)


def _verdicts(published: list[int], stated: list[Candidate], alts: list[Candidate], bound: Fraction,
              unit: int = 1, rule_stated: bool = True) -> pd.DataFrame:
    n = len(published)

    def hits(c: Candidate) -> int:
        return sum(a == p for a, p in zip(c.amounts, published))

    def maxdev(c: Candidate) -> int:
        return max(abs(a - p) for a, p in zip(c.amounts, published))

    def cells(c: Candidate, rule: str, verdict: str | list[str], rounding: str | None = None) -> pd.DataFrame:
        return pd.DataFrame({"published_sek": published, "recomputed_sek": c.amounts,
                             "deviation_sek": [p - a for p, a in zip(published, c.amounts)],
                             "rule": rule, "rounding": rounding or c.rounding, "verdict": verdict})

    exact_stated = [c for c in stated if hits(c) == n]
    if exact_stated:
        c = exact_stated[0]
        roundings = ", ".join(x.rounding for x in exact_stated if x.rule == c.rule)
        return cells(c, f"stated: {c.rule}", "exact", roundings)
    alt = next((a for a in alts if hits(a) == n), None)
    if stated and stated[0].exact is not None and all(abs(p - e) <= bound for p, e in zip(published, stated[0].exact)):
        c = max(stated, key=hits)
        rule = f"stated: {c.rule}" + (f" (exactly reproduced by: {alt.rule}, {alt.rounding})" if alt else "")
        return cells(c, rule, ["exact" if a == p else "within_rounding" for a, p in zip(c.amounts, published)])
    # with no rule stated there is nothing to fail: a key that reproduces the print is named as what it follows
    if alt is not None:
        return cells(alt, alt.rule if rule_stated else f"no rule stated; reproduced by {alt.rule}",
                     "stated_rule_fails" if rule_stated else "exact")
    near = next((a for a in alts if a.exact is not None
                 and all(abs(p - e) <= Fraction(1, 2) for p, e in zip(published, a.exact))), None)
    if near is not None:
        return cells(near, near.rule + " (within rounding)" if rule_stated
                     else f"no rule stated; within rounding of {near.rule}",
                     "stated_rule_fails" if rule_stated else "within_rounding")
    best = min(stated + alts, key=maxdev)
    # with no stated rule there is nothing to fail: a near miss is "not reproducible", the closest named
    stated_far = (not stated and rule_stated) or (bool(stated) and min(maxdev(c) for c in stated) * unit > FAR_SEK)
    if not best.stated and maxdev(best) * unit <= APPROX_SEK and stated_far:
        # the print follows another key to within a few kronor, but not to the krona: say so
        return cells(best, f"{best.rule} (approximately: at most {maxdev(best) * unit} kr off; "
                           "the exact figures are not reproduced)", "stated_rule_fails")
    # nothing reproduces the column: show the deviation from the stated rule when it is computable
    best = min([c for c in stated if c.exact is not None] or alts, key=maxdev)
    return cells(best, ("stated: " if best.stated else "closest tried: ") + best.rule
                 + ("" if unit == 1 else f" (printed in units of {unit:,} kr; at most {maxdev(best)} units off)".replace(",", " ")),
                 "not_reproducible")


def _summary(cells: pd.DataFrame, t, column: str, note: str, unit: int = 1) -> dict[str, object]:
    printed_total = int(t.total[column]) * unit if t.total is not None else None
    counts = cells["verdict"].value_counts()
    return {"year": int(cells["year"].iloc[0]), "table": t.spec.name, "column": column,
            "cells": len(cells), **{v: int(counts.get(v, 0)) for v in VERDICTS},
            "max_abs_deviation_sek": int(cells["deviation_sek"].abs().max()),
            "sum_published_sek": int(cells["published_sek"].sum()),
            "printed_total_sek": printed_total,
            "sum_recomputed_sek": int(cells["recomputed_sek"].sum()),
            "rule": cells["rule"].iloc[0], "rounding": cells["rounding"].iloc[0], "note": note}


def reconcile_all(record: Record | None = None, years: list[int] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reconcile every printed allocation column; return (cells, per-column summary)."""
    from ..record.record import load_record

    record = record or load_record()
    specs = record.table("printed_columns").data
    if years is not None:
        specs = specs[specs["year"].isin(years)]
    all_cells, summaries = [], []
    for _, spec in specs[specs["kind"] != "sum"].iterrows():
        cells, summary = reconcile_column(record, spec)
        all_cells.append(cells)
        summaries.append(summary)
    cells = pd.concat(all_cells, ignore_index=True) if all_cells else pd.DataFrame(columns=CELL_COLUMNS)
    for _, spec in specs[specs["kind"] == "sum"].iterrows():
        c, s = _reconcile_sum(record, spec, specs, cells)
        cells = pd.concat([cells, c], ignore_index=True)
        summaries.append(s)
    return cells[CELL_COLUMNS], pd.DataFrame(summaries)


def _reconcile_sum(record: Record, spec: pd.Series, specs: pd.DataFrame,
                   cells: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, object]]:
    table, column = str(spec["table"]), str(spec["column"])
    t = record.table(table)
    parts = cells[(cells["table"] == table) & (cells["column"] != column)]
    # parts printed twice (a base amount and its rest, beside their total: kinds base_part, rest_part) count once
    repeated = specs[(specs["table"] == table) & specs["kind"].isin(["base_part", "rest_part"])]["column"]
    parts = parts[~parts["column"].isin(list(repeated))]
    recomputed = parts.groupby("county_code")["recomputed_sek"].sum()
    worst = parts.groupby("county_code")["verdict"].agg(lambda v: max(v, key=VERDICTS.index))
    published = t.data.set_index("county_code")[column].astype("int64")
    dev = published - recomputed.reindex(published.index)
    n_parts = len(parts["column"].unique())
    verdict = [_sum_verdict(int(d), str(w), n_parts) for d, w in zip(dev, worst.reindex(published.index))]
    c = pd.DataFrame({"year": int(spec["year"]), "table": table, "column": column, "county_code": published.index,
                      "region": t.data.set_index("county_code").loc[published.index, "region"].values,
                      "published_sek": published.values, "recomputed_sek": recomputed.reindex(published.index).values,
                      "deviation_sek": dev.values, "rule": "sum of the recomputed columns", "rounding": "–",
                      "verdict": verdict})
    return c[CELL_COLUMNS], _summary(c, t, column, str(spec["note"]))


def _sum_verdict(deviation: int, worst_part: str, n_parts: int) -> str:
    """A printed total is exact when it equals the sum of the recomputed parts; a few kronor off
    is rounding when every part was reproduced; otherwise it inherits its worst part's verdict."""
    if worst_part == "not_reproducible":
        return "not_reproducible"
    if deviation == 0:
        return "exact" if worst_part in {"exact", "within_rounding"} else worst_part
    if abs(deviation) <= n_parts:
        return "within_rounding"
    return "not_reproducible"


def characterise(record: Record, cells: pd.DataFrame) -> pd.DataFrame:
    """For not-reproducible columns: correlation of the printed shares with each printed key."""
    out = []
    bad = cells[cells["verdict"] == "not_reproducible"].groupby(["table", "column"])
    for (table, column), grp in bad:
        data = record.table(str(table)).data.set_index("county_code")
        share = grp.set_index("county_code")["published_sek"] / grp["published_sek"].sum()
        for key in ("population", "municipal_care_patients", "municipal_care_recipients"):
            if key in data:
                k = data[key].astype(float) / data[key].astype(float).sum()
                k = k.reindex(share.index)
                ratio = share / k
                out.append({"table": table, "column": column, "key": key,
                            "correlation": float(np.corrcoef(share.astype(float), k)[0, 1]),
                            "min_ratio_to_key_share": float(ratio.min()),
                            "max_ratio_to_key_share": float(ratio.max())})
    return pd.DataFrame(out)


def verdict_counts(cells: pd.DataFrame) -> pd.DataFrame:
    """Return the number of printed cells per verdict (all four verdicts, zeros included)."""
    counts = cells["verdict"].value_counts().reindex(list(VERDICTS), fill_value=0)
    return counts.rename_axis("verdict").reset_index(name="cells")
