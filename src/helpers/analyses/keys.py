"""Population keys of the agreements, from the record's own rows (rules/population_keys.csv).

A key is one of:
- ``printed``: a population column of a printed table;
- ``implied_shares``: not printed; each county's share is implied by a printed allocation column;
- ``implied_by_allocation``: a population derived exactly from an allocation made strictly by
  population, and the national stock on the same date (amount × national / pot must land on
  whole inhabitants, and they must add up to the national stock);
- ``estimated``: not in the record; the mean of the estimators its row names, with their spread
  as the bound. A drop-in table named by the row, when present, replaces the estimate.
No year is named in this module: what differs between years is a row of that file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import math
from fractions import Fraction

import pandas as pd

from ..errors import DataError
from ..record.record import Record

KEY_FILE = "data/raw/rules/population_keys.csv"


@dataclass(frozen=True)
class PopulationKey:
    """One key date's key per county, and how it was obtained."""

    key_date: pd.Timestamp
    method: str                      # printed | implied_shares | implied_by_allocation | reconstructed | estimated | drop_in
    frame: pd.DataFrame              # county_code, region, population (Int64, NA when unknown), share (float)
    estimate: bool
    note: str
    source: str
    candidates: pd.DataFrame = field(default_factory=pd.DataFrame)  # estimated: one column per estimator
    bounds: pd.DataFrame = field(default_factory=pd.DataFrame)      # estimated: keybounds.key_bounds per county
    fit: object | None = None                                       # reconstructed: the keyfit.KeyFit
    # estimated: what each estimator rests on, in the order of `candidates`' columns:
    # ("nearest", (date,)), ("interpolate", (date, date)), ("partial_series", (date,)): the dates of the keys used
    estimators: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def label(self) -> str:
        """Return the key date as the agreements write it (e.g. '1 Nov 2018')."""
        return f"{self.key_date.day} {self.key_date.strftime('%b %Y')}"

    @property
    def basis(self) -> str:
        """Return what the key rests on, as the data label says it: PRINTED, DERIVED, RECONSTRUCTED, ESTIMATE."""
        return {"printed": "PRINTED", "drop_in": "PRINTED (drop-in)", "implied_by_allocation": "DERIVED",
                "implied_shares": "IMPLIED SHARES", "reconstructed": "RECONSTRUCTED",
                "estimated": "ESTIMATE"}[self.method]


def _row(record: Record, key_date: object) -> pd.Series:
    keys = record.table("population_keys").data
    date = pd.Timestamp(key_date)
    hit = keys[keys["key_date"] == date]
    if hit.empty:
        raise DataError(KEY_FILE, f"no population key for {date.date()}; known key dates: "
                        + ", ".join(str(d.date()) for d in keys["key_date"]))
    return hit.iloc[0]


def _frame(codes: pd.Series, regions: pd.Series, population: list[int] | pd.Series | None,
           shares: list[float] | pd.Series) -> pd.DataFrame:
    pop = pd.array(list(population), dtype="Int64") if population is not None else pd.array([pd.NA] * len(codes), dtype="Int64")
    return pd.DataFrame({"county_code": list(codes), "region": list(regions), "population": pop,
                         "share": [float(s) for s in shares]})


def _national(record: Record, as_of: pd.Timestamp) -> int:
    nat = record.table("ext_scb_national_population_monthly").data
    hit = nat.loc[nat["date"] == as_of, "population"]
    if hit.empty:
        raise DataError(KEY_FILE, f"no national population for {as_of.date()} in "
                        "ext_scb_national_population_monthly", column="as_of")
    return int(hit.iloc[0])


def _derived_by_allocation(record: Record, row: pd.Series) -> list[int]:
    table, column = str(row["table"]), str(row["column"])
    t = record.table(table)
    pot = int(t.total[column])  # type: ignore[index]
    national = _national(record, pd.Timestamp(row["as_of"]))
    implied = [Fraction(int(a) * national, pot) for a in t.data[column]]
    rounded = [round(x) for x in implied]
    worst = max(abs(x - r) for x, r in zip(implied, rounded))
    if worst > Fraction(1, 100) or sum(rounded) != national:
        raise DataError(t.file, f"the amounts do not imply whole populations (worst residual {float(worst):.4f}, "
                        f"sum {sum(rounded)} vs national {national})", column=column)
    return rounded


def _drop_in(record: Record, spec: str, date: pd.Timestamp) -> tuple[pd.DataFrame, str] | None:
    """Return the exact key from a drop-in table or a fetched snapshot, when one is present."""
    for item in [s for s in spec.split(";") if s]:
        if item.startswith("snapshot:"):
            from ..opendata.scb import read_population_snapshot
            from ..opendata.snapshots import newest_snapshot

            source, _, table = item.removeprefix("snapshot:").partition("/")
            path = newest_snapshot(source, table, root=record.raw_dir / "snapshots")
            if path is None:
                continue
            d = read_population_snapshot(path)
            d = d[d["date"] == date]
            if d.empty:
                continue
            from .. import provenance

            provenance.note(path)
            return d, f"exact: SCB {table}, snapshot {path.parent.name}/{path.name}"
        if record.has(item):
            return record.table(item).data, f"exact: {record.table(item).spec.section}"
    return None


def population_key(record: Record, key_date: object) -> PopulationKey:
    """Return the population key of one key date, as its row in rules/population_keys.csv says."""
    row = _row(record, key_date)
    method, note = str(row["method"]), "" if pd.isna(row["note"]) else str(row["note"])
    date = pd.Timestamp(row["key_date"])
    source = str(row["stated_in"])
    if pd.notna(row["drop_in"]):
        found = _drop_in(record, str(row["drop_in"]), date)
        if found is not None:
            d, how = found
            pop = [int(v) for v in d["population"]]
            return PopulationKey(date, "drop_in", _frame(d["county_code"], d["region"], pop,
                                                         [p / sum(pop) for p in pop]), False, how, source)
    if method == "printed":
        d = record.table(str(row["table"])).data
        pop = [int(v) for v in d[str(row["column"])]]
        return PopulationKey(date, method, _frame(d["county_code"], d["region"], pop, [p / sum(pop) for p in pop]),
                             False, note, source)
    if method == "implied_shares":
        t = record.table(str(row["table"]))
        col = str(row["column"])
        pot = int(t.total[col])  # type: ignore[index]
        return PopulationKey(date, method, _frame(t.data["county_code"], t.data["region"], None,
                                                  [int(a) / pot for a in t.data[col]]), False, note, source)
    if method == "implied_by_allocation":
        t = record.table(str(row["table"]))
        pop = _derived_by_allocation(record, row)
        return PopulationKey(date, method, _frame(t.data["county_code"], t.data["region"], pop,
                                                  [p / sum(pop) for p in pop]), False, note, source)
    if method == "reconstructed":
        return _reconstruct(record, row, note, source)
    if method == "estimated":
        return _estimate(record, row, note, source)
    raise DataError(KEY_FILE, f"unknown key method '{method}'", column="method")


def _reconstruct(record: Record, row: pd.Series, note: str, source: str) -> PopulationKey:
    """Search a whole-inhabitant key that reproduces every printed column the row names (helpers.analyses.keyfit)."""
    from .keyfit import PrintedColumn, fit_key

    t = record.table(str(row["table"]))
    cols = str(row["column"]).split(";")
    spec = dict(part.split(":", 1) for part in str(row["estimators"]).split(";") if part)
    lo, _, hi = spec.get("totals", "").partition("-")
    if not (lo.isdigit() and hi.isdigit()):
        raise DataError(KEY_FILE, f"a reconstructed key needs 'totals:MIN-MAX', got '{row['estimators']}'",
                        column="estimators")
    columns = [PrintedColumn(int(t.total[c]), [int(v) for v in t.data[c]], name=c) for c in cols]  # type: ignore[index]
    fit = fit_key(columns, totals=(int(lo), int(hi)), labels=list(t.data["region"]))
    if fit.exists and fit.key is not None:
        pop = list(fit.key)
        return PopulationKey(pd.Timestamp(row["key_date"]), "reconstructed",
                             _frame(t.data["county_code"], t.data["region"], pop, [p / sum(pop) for p in pop]),
                             False, note, source, fit=fit)
    # no integer key reproduces the print: the shares the first column implies, and the proof in `fit`
    pot = int(t.total[cols[0]])  # type: ignore[index]
    return PopulationKey(pd.Timestamp(row["key_date"]), "implied_shares",
                         _frame(t.data["county_code"], t.data["region"], None, [int(a) / pot for a in t.data[cols[0]]]),
                         False, note, source, fit=fit)


def _estimate(record: Record, row: pd.Series, note: str, source: str) -> PopulationKey:
    """Form each estimator the row names; bound them with the measured errors (helpers.analyses.keybounds)."""
    from .keybounds import backtest_interpolation, interpolate_key, key_bounds, measured_gaps, partial_series_estimate

    target = pd.Timestamp(row["as_of"])
    cands: dict[str, pd.Series] = {}
    described: list[tuple[str, tuple[str, ...]]] = []
    base: pd.DataFrame | None = None

    def levels(date: str) -> tuple[pd.Series, pd.Timestamp, PopulationKey]:
        k = population_key(record, date)
        if k.frame["population"].isna().any():
            raise DataError(KEY_FILE, f"an estimator needs populations; the key of {k.key_date.date()} holds "
                            "shares only", column="estimators")
        return (k.frame.set_index("county_code")["population"].astype("int64"),
                pd.Timestamp(_row(record, date)["as_of"]), k)

    for spec in str(row["estimators"]).split(";"):
        name, _, args = spec.partition(":")
        parts = [a for a in args.split("|") if a]
        if name == "nearest" and len(parts) == 1:
            pop, _, k = levels(parts[0])
            cands[f"{k.label} stock as it is"] = pop
            described.append((name, (k.key_date.date().isoformat(),)))
        elif name == "interpolate" and len(parts) == 2:
            (p0, t0, k0), (p1, t1, k1) = levels(parts[0]), levels(parts[1])
            cands[f"interpolated between {k0.label} and {k1.label}"] = interpolate_key(p0, p1, t0, t1, target)
            described.append((name, (k0.key_date.date().isoformat(), k1.key_date.date().isoformat())))
        elif name == "partial_series" and len(parts) == 4:
            pop, t0, k = levels(parts[0])
            series = record.table(parts[1]).data
            cands[f"rebuilt from {record.table(parts[1]).spec.section.split(',')[0]}"] = partial_series_estimate(
                pop, series, parts[2], parts[3], _national(record, t0), _national(record, target))
            described.append((name, (k.key_date.date().isoformat(),)))
        else:
            raise DataError(KEY_FILE, f"unknown estimator '{spec}' (known: nearest:DATE, interpolate:DATE|DATE, "
                            "partial_series:DATE|TABLE|MONTH|MONTH)", column="estimators")
        if base is None:
            base = k.frame[["county_code", "region"]] if name != "interpolate" else k0.frame[["county_code", "region"]]
    assert base is not None
    idx = list(base["county_code"])
    c = pd.DataFrame({k: v.reindex(idx).to_numpy() for k, v in cands.items()}, index=idx)
    error_share, gap = None, 0.0
    for spec in [s for s in str(row["bounds"]).split(";") if s and s != "nan"]:
        name, _, args = spec.partition(":")
        if name == "backtest":
            span, _, truth = args.partition("@")
            (p0, t0, _), (p1, t1, _) = (levels(d) for d in span.split("|"))
            pt, tt, _ = levels(truth)
            error_share = backtest_interpolation(p0, p1, pt, t0, t1, tt)["share_error"]
        elif name == "gap":
            gap = float(measured_gaps(record.table(args).data)["relative_gap"].abs().max())
        else:
            raise DataError(KEY_FILE, f"unknown bound '{spec}' (known: backtest:DATE|DATE@DATE, gap:TABLE)",
                            column="bounds")
    bounds = key_bounds(c, interpolation_error_share=error_share, relative_gap=gap)
    center = [math.floor(x + 0.5) for x in bounds["center_population"]]
    frame = _frame(base["county_code"], base["region"], center, list(bounds["center_share"]))
    frame["bound_population"] = bounds["bound_inhabitants"].to_numpy()
    return PopulationKey(pd.Timestamp(row["key_date"]), "estimated", frame, True, note, source,
                         candidates=c.reset_index(names="county_code"), bounds=bounds, estimators=tuple(described))


def key_of_rule(record: Record, rule: pd.Series) -> PopulationKey | None:
    """Return the population key a pot uses: printed in its key table, else its key date's row; None if neither."""
    if pd.notna(rule.get("key_table")):
        d = record.table(str(rule["key_table"])).data
        if "population" in d:
            pop = [int(v) for v in d["population"]]
            date = pd.Timestamp(rule["key_reference_date"]) if pd.notna(rule["key_reference_date"]) else pd.NaT
            return PopulationKey(date, "printed", _frame(d["county_code"], d["region"], pop, [p / sum(pop) for p in pop]),
                                 False, "", str(rule["key_table"]))
    if pd.notna(rule.get("key_reference_date")):
        return population_key(record, rule["key_reference_date"])
    return None
