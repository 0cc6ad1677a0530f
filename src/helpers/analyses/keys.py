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
from fractions import Fraction

import pandas as pd

from ..errors import DataError
from ..record.record import Record

KEY_FILE = "data/raw/rules/population_keys.csv"


@dataclass(frozen=True)
class PopulationKey:
    """One key date's key per county, and how it was obtained."""

    key_date: pd.Timestamp
    method: str                      # printed | implied_shares | implied_by_allocation | estimated | drop_in
    frame: pd.DataFrame              # county_code, region, population (Int64, NA when unknown), share (float)
    estimate: bool
    note: str
    source: str
    candidates: pd.DataFrame = field(default_factory=pd.DataFrame)  # estimated keys: one column per estimator

    @property
    def label(self) -> str:
        """Return the key date as the agreements write it (e.g. '1 Nov 2018')."""
        return self.key_date.strftime("%-d %b %Y")


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


def _derived_by_allocation(record: Record, row: pd.Series) -> list[int]:
    table, column = str(row["table"]), str(row["column"])
    t = record.table(table)
    pot = int(t.total[column])  # type: ignore[index]
    nat = record.table("ext_scb_national_population_monthly").data
    hit = nat.loc[nat["date"] == row["as_of"], "population"]
    if hit.empty:
        raise DataError(KEY_FILE, f"no national population for {row['as_of'].date()} in "
                        "ext_scb_national_population_monthly", column="as_of")
    national = int(hit.iloc[0])
    implied = [Fraction(int(a) * national, pot) for a in t.data[column]]
    rounded = [round(x) for x in implied]
    worst = max(abs(x - r) for x, r in zip(implied, rounded))
    if worst > Fraction(1, 100) or sum(rounded) != national:
        raise DataError(t.file, f"the amounts do not imply whole populations (worst residual {float(worst):.4f}, "
                        f"sum {sum(rounded)} vs national {national})", column=column)
    return rounded


def population_key(record: Record, key_date: object) -> PopulationKey:
    """Return the population key of one key date, as its row in rules/population_keys.csv says."""
    row = _row(record, key_date)
    method, note = str(row["method"]), "" if pd.isna(row["note"]) else str(row["note"])
    date = pd.Timestamp(row["key_date"])
    source = str(row["stated_in"])
    drop_in = None if pd.isna(row["drop_in"]) else str(row["drop_in"])
    if drop_in and record.has(drop_in):
        d = record.table(drop_in).data
        pop = [int(v) for v in d["population"]]
        return PopulationKey(date, "drop_in", _frame(d["county_code"], d["region"], pop, [p / sum(pop) for p in pop]),
                             False, f"exact: {record.table(drop_in).spec.section}", drop_in)
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
    if method == "estimated":
        return _estimate(record, row, note, source)
    raise DataError(KEY_FILE, f"unknown key method '{method}'", column="method")


def _estimate(record: Record, row: pd.Series, note: str, source: str) -> PopulationKey:
    """Form each estimator the row names; the key is their mean, the bound their spread."""
    target = pd.Timestamp(row["as_of"])
    cands: dict[str, pd.Series] = {}
    base: pd.DataFrame | None = None
    for spec in str(row["estimators"]).split(";"):
        name, _, args = spec.partition(":")
        dates = [a for a in args.split("|") if a]
        keys = [population_key(record, d) for d in dates]
        for k in keys:
            if k.frame["population"].isna().any():
                raise DataError(KEY_FILE, f"estimator '{spec}' needs populations; the key of {k.key_date.date()} "
                                "holds shares only", column="estimators")
        frames = [k.frame.set_index("county_code") for k in keys]
        if base is None:
            base = keys[0].frame[["county_code", "region"]]
        idx = base["county_code"]
        if name == "nearest" and len(keys) == 1:
            cands[f"{k.key_date.date()} key as it is"] = frames[0]["population"].reindex(idx).astype("int64")
        elif name == "interpolate" and len(keys) == 2:
            t0, t1 = (pd.Timestamp(_row(record, k.key_date)["as_of"]) for k in keys)
            frac = Fraction((target - t0).days, (t1 - t0).days)
            p0, p1 = (f["population"].reindex(idx).astype("int64") for f in frames)
            cands[f"interpolated between {keys[0].key_date.date()} and {keys[1].key_date.date()}"] = pd.Series(
                [round(a + frac * (b - a)) for a, b in zip(p0, p1)], index=idx.values)
        else:
            raise DataError(KEY_FILE, f"unknown estimator '{spec}' (known: nearest:DATE, interpolate:DATE|DATE)",
                            column="estimators")
    assert base is not None
    c = pd.DataFrame({k: v.to_numpy() for k, v in cands.items()}, index=base["county_code"].values)
    mean = c.mean(axis=1).round().astype("int64")
    pop = mean.tolist()
    frame = _frame(base["county_code"], base["region"], pop, [p / sum(pop) for p in pop])
    frame["bound_population"] = c.sub(mean, axis=0).abs().max(axis=1).to_numpy()
    return PopulationKey(pd.Timestamp(row["key_date"]), "estimated", frame, True, note, source,
                         candidates=c.reset_index(names="county_code"))


def key_dates(record: Record) -> list[pd.Timestamp]:
    """Return every key date the record describes."""
    return sorted(pd.Timestamp(d) for d in record.table("population_keys").data["key_date"])
