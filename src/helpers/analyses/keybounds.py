"""Honest bounds for an estimated population key: measured errors plus the spread of the estimators.

A key the record does not print (e.g. the 1 November population of a year whose agreement prints
no table) can be estimated several defensible ways. None is exact, and the spread between two of
them is not an error bound. This module measures what can be measured and combines it:

- :func:`backtest_interpolation`: estimate a key that *is* printed from keys on either side of it,
  linearly in time, and compare county by county (the interpolation's own error);
- :func:`measured_gaps`: the national difference between SCB's end-of-October stock and the
  agreements' "1 november" key (FolkmangdNov), from the years where both are known;
- :func:`partial_series_estimate`: a third estimator from a monthly series that misses some ages;
- :func:`key_bounds` and :func:`amount_bounds`: per county, the spread of all estimators plus the
  measured errors, in shares, inhabitant-equivalents and kronor, covering every estimator.

Instants: a stock "on 31 Dec" or "at the end of October" is the count at the end of that day or
month, i.e. at 00:00 of the next day; a key "den 1 november" is the count at 00:00 on 1 November.
Every function takes plain data (Series indexed by county code, DataFrames), never file paths.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

import pandas as pd

from .allocation import Rounding, allocate, round_half_up

KEY_BOUND_COLUMNS = ["center_population", "center_share", "half_spread_share", "interpolation_error_share",
                     "gap_share", "bound_share", "lower_share", "upper_share", "bound_inhabitants"]


def stock_instant(date: object) -> pd.Timestamp:
    """Return the instant of a stock counted at the end of `date` (00:00 the next day)."""
    return pd.Timestamp(date).normalize() + pd.Timedelta(days=1)


def month_end_instant(month: str) -> pd.Timestamp:
    """Return the instant at the end of an SCB month such as '2018M10' (00:00 on 1 Nov 2018)."""
    year, _, mm = str(month).partition("M")
    if not (year.isdigit() and mm.isdigit() and 1 <= int(mm) <= 12):
        raise ValueError(f"'{month}' is not an SCB month such as 2018M10")
    return pd.Timestamp(int(year), int(mm), 1) + pd.offsets.MonthBegin(1)


def _aligned(*series: pd.Series) -> list[pd.Series]:
    index = series[0].index
    for s in series[1:]:
        if set(s.index) != set(index):
            missing = sorted(set(index) ^ set(s.index))
            raise ValueError(f"the keys do not cover the same counties (differ in {', '.join(map(str, missing))})")
    return [s.reindex(index) for s in series]


def interpolate_key(before: pd.Series, after: pd.Series, t_before: object, t_after: object,
                    t: object) -> pd.Series:
    """Return each county's key at instant `t`, linear in time through two keys (half up to whole units).

    `t` may lie outside [t_before, t_after] (then it extrapolates). Exact rational arithmetic.
    """
    before, after = _aligned(before, after)
    t0, t1, tt = pd.Timestamp(t_before), pd.Timestamp(t_after), pd.Timestamp(t)
    if t1 == t0:
        raise ValueError("the two keys are of the same instant: cannot interpolate")
    frac = Fraction((tt - t0).days, (t1 - t0).days)
    out = [round_half_up(int(a) + frac * (int(b) - int(a))) for a, b in zip(before, after)]
    return pd.Series(out, index=before.index, dtype="int64")


def backtest_interpolation(before: pd.Series, after: pd.Series, truth: pd.Series, t_before: object,
                           t_after: object, t_truth: object) -> pd.DataFrame:
    """Estimate a printed key from the keys on either side of it and return the error per county.

    Columns: truth, estimate, error (estimate − truth, inhabitants), relative_error (error / truth),
    share_error (estimate's share − truth's share: what moves amounts) and share_error_inhabitants
    (share_error × the truth's total).
    """
    before, after, truth = _aligned(before, after, truth)
    est = interpolate_key(before, after, t_before, t_after, t_truth)
    truth = truth.astype("int64")
    out = pd.DataFrame({"truth": truth, "estimate": est})
    out["error"] = out["estimate"] - out["truth"]
    out["relative_error"] = out["error"] / out["truth"]
    out["share_error"] = out["estimate"] / out["estimate"].sum() - out["truth"] / out["truth"].sum()
    out["share_error_inhabitants"] = out["share_error"] * int(out["truth"].sum())
    return out


def interpolation_geometry_ratio(t_before: object, t_after: object, t: object, backtest_before: object,
                                 backtest_after: object, backtest_t: object) -> float:
    """Return |(t − t0)(t1 − t)| over the same product of a back-test (a model, not a measurement).

    Linear interpolation through a path of constant curvature misses by curvature/2 · (t − t0)(t1 − t),
    so under that model a back-test's error scales to another geometry by this ratio. It is offered
    for comparison; :func:`key_bounds` applies the measured error unscaled unless told otherwise.
    """
    def product(a: object, b: object, x: object) -> int:
        return abs((pd.Timestamp(x) - pd.Timestamp(a)).days * (pd.Timestamp(b) - pd.Timestamp(x)).days)

    base = product(backtest_before, backtest_after, backtest_t)
    if base == 0:
        raise ValueError("the back-test's target coincides with one of its keys")
    return product(t_before, t_after, t) / base


def measured_gaps(gaps: pd.DataFrame, printed_totals: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Return the end-of-October vs 1-November gaps with their relative size, checked for consistency.

    `gaps` has columns key_date, end_october_stock, key_total_printed, gap (the raw table
    ext_scb_key_date_gaps). Each gap must equal end_october_stock − key_total_printed, and, when
    `printed_totals` maps a key_table to its printed total, key_total_printed must equal it.
    """
    out = gaps.copy()
    diff = out["end_october_stock"].astype("int64") - out["key_total_printed"].astype("int64")
    bad = out[diff != out["gap"].astype("int64")]
    if len(bad):
        r = bad.iloc[0]
        raise ValueError(f"gap of {r['key_date']}: {r['gap']} is not {r['end_october_stock']} − {r['key_total_printed']}")
    for _, r in out.iterrows():
        if printed_totals is not None and str(r.get("key_table")) in printed_totals:
            printed = int(printed_totals[str(r["key_table"])])
            if printed != int(r["key_total_printed"]):
                raise ValueError(f"gap of {r['key_date']}: {r['key_table']} prints the total {printed}, "
                                 f"not {r['key_total_printed']}")
    out["relative_gap"] = out["gap"].astype("int64") / out["key_total_printed"].astype("int64")
    return out


def partial_series_estimate(stock: pd.Series, partial: pd.DataFrame, month_stock: str, month_target: str,
                            national_stock: int, national_target: int, *, national_area: str = "riket") -> pd.Series:
    """Return each county's stock at the end of `month_target` from its stock at the end of `month_stock`.

    `partial` (columns area, month, population_5_94) covers only some ages. Per county:
    target ≈ stock − (its partial-series change between the months) − the national change of the
    missing ages, shared by each county's share of those ages at `month_stock` (its stock less its
    partial-series count). The national change of the missing ages is the national stock's change
    less the national partial series' change; it is split by largest remainder, so the estimates
    add up to `national_target` exactly when the counties add up to the national row.
    """
    wide = partial.pivot(index="area", columns="month", values="population_5_94")
    for m in (month_stock, month_target):
        if m not in wide.columns:
            raise ValueError(f"the partial series has no month {m}")
    if national_area not in wide.index:
        raise ValueError(f"the partial series has no national row '{national_area}'")
    counties = wide.drop(index=national_area)
    (stock,) = _aligned(stock)
    missing = sorted(set(stock.index) - set(counties.index))
    if missing:
        raise ValueError(f"the partial series lacks counties {', '.join(map(str, missing))}")
    part_stock = counties.loc[stock.index, month_stock].astype("int64")
    part_target = counties.loc[stock.index, month_target].astype("int64")
    nat = wide.loc[national_area]
    rest_change = (int(national_stock) - int(national_target)) - (int(nat[month_stock]) - int(nat[month_target]))
    other_ages = stock.astype("int64") - part_stock
    if (other_ages < 0).any():
        raise ValueError("a county's partial-series count exceeds its stock: the series cannot be a subset")
    share = allocate(abs(rest_change), other_ages, rounding="largest_remainder") * (1 if rest_change >= 0 else -1)
    out = stock.astype("int64") - (part_stock - part_target) - share
    return out.astype("int64")


def key_bounds(candidates: pd.DataFrame, *, interpolation_error_share: pd.Series | None = None,
               relative_gap: float = 0.0, interpolation_scale: float = 1.0) -> pd.DataFrame:
    """Return per county a bound on its key share that covers every candidate and the measured errors.

    `candidates`: one column per estimator of the key (whole inhabitants), indexed by county.
    center = the midpoint of the candidates' lowest and highest value per county; its share is
    the center's share of the center's total. The bound on the share is the sum (not a root-sum-
    square: deliberately conservative) of
      half_spread_share          the largest distance of any candidate's share from the center's;
      interpolation_error_share  |measured back-test share error| × `interpolation_scale`;
      gap_share                  `relative_gap` × the center's share (the 1-November key runs below
                                 the monthly stock by about that fraction nationally; how the gap
                                 falls on counties is not known, so each may carry it in full).
    bound_inhabitants is the share bound times the center's total.
    """
    if candidates.empty or candidates.shape[1] == 0:
        raise ValueError("no candidate keys to bound")
    levels = candidates.astype("int64")
    shares = levels / levels.sum()
    center = (levels.max(axis=1) + levels.min(axis=1)) / 2
    center_share = center / center.sum()
    out = pd.DataFrame(index=candidates.index)
    for c in candidates.columns:
        out[c] = levels[c]
    out["center_population"] = center
    out["center_share"] = center_share
    out["half_spread_share"] = shares.sub(center_share, axis=0).abs().max(axis=1)
    if interpolation_error_share is None:
        out["interpolation_error_share"] = 0.0
    else:
        (err,) = _aligned(interpolation_error_share.reindex(candidates.index))
        if err.isna().any():
            raise ValueError("the measured interpolation error lacks some counties")
        out["interpolation_error_share"] = err.abs().astype(float) * float(interpolation_scale)
    out["gap_share"] = abs(float(relative_gap)) * center_share
    out["bound_share"] = out["half_spread_share"] + out["interpolation_error_share"] + out["gap_share"]
    out["lower_share"] = out["center_share"] - out["bound_share"]
    out["upper_share"] = out["center_share"] + out["bound_share"]
    out["bound_inhabitants"] = out["bound_share"] * float(center.sum())
    covered = shares.ge(out["lower_share"] - 1e-15, axis=0) & shares.le(out["upper_share"] + 1e-15, axis=0)
    assert bool(covered.all().all()), "a candidate lies outside its bound"   # by construction
    return out


def amount_bounds(pot: int, bounds: pd.DataFrame, candidates: Sequence[str], *, base_amount: int = 0,
                  rounding: Rounding = "largest_remainder") -> pd.DataFrame:
    """Return each county's amount of `pot` under the center key and each candidate key, and its bound.

    amount_sek is the amount under the center key; amount_<c>_sek and shift_<c>_sek the amount under
    candidate c and its distance from the center (allocated with helpers.allocation.allocate);
    spread_sek the largest such distance; measured_sek the measured errors (interpolation and gap
    shares) times the pot less the base amounts, rounded up; bound_sek = spread_sek + measured_sek,
    so [amount − bound, amount + bound] holds every candidate's amount.
    """
    center = [Fraction(str(x)) for x in bounds["center_population"]]
    main = allocate(pot, pd.Series(center, index=bounds.index), base_amount=base_amount, rounding=rounding)
    out = pd.DataFrame({"amount_sek": main}, index=bounds.index)
    shifts = []
    for c in candidates:
        a = allocate(pot, bounds[c].astype("int64"), base_amount=base_amount, rounding=rounding)
        out[f"amount_{c}_sek"] = a
        out[f"shift_{c}_sek"] = a - main
        shifts.append((a - main).abs())
    out["spread_sek"] = pd.concat(shifts, axis=1).max(axis=1) if shifts else 0
    rest = pot - len(bounds) * base_amount
    measured = (bounds["interpolation_error_share"] + bounds["gap_share"]) * rest
    out["measured_sek"] = [math.ceil(x) for x in measured]
    out["bound_sek"] = out["spread_sek"] + out["measured_sek"]
    out["lower_sek"] = out["amount_sek"] - out["bound_sek"]
    out["upper_sek"] = out["amount_sek"] + out["bound_sek"]
    return out
