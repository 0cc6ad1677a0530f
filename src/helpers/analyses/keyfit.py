"""Reconstruct an unprinted integer key from printed columns that were split by it.

Several printed columns (each a pot split into whole kronor) that share one key in whole units
(inhabitants) constrain each recipient's share p_i / P to a narrow interval: under ``half_up`` an
amount a of a pot with rest R = pot − n·base says a − ½ ≤ base + R·p_i/P < a + ½. For a fixed total
P each recipient's interval in inhabitants is therefore known exactly, and a key that reproduces
every column exists at P only when every interval holds an integer and the chosen integers can add
up to P. The search runs over a range of totals at once (numpy, chunked) with a float pre-filter
that is a strict superset of the exact condition, then checks the survivors exactly in integers and
re-allocates each candidate key with :func:`helpers.allocation.allocate`.

Shares alone cannot fix the scale: if P works with key p, then k·P works with k·p. A total is
therefore only "unique" within a range narrower than a factor of two; the caller passes a range
from outside knowledge (e.g. SCB's national figure ± some thousands), or the default search finds
the smallest total that works and every other one below twice it.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import accumulate

import numpy as np
import pandas as pd

from .allocation import ROUNDINGS, Rounding, allocate

log = logging.getLogger(__name__)

# Bounds on 2·amount per convention, in half kronor relative to the printed amount a:
# (lower offset, lower closed, upper offset, upper closed); None = the cell is not bounded by
# its own amount (the residual cell of half_up_residual). largest_remainder and half_even are
# supersets, settled by re-allocating every candidate key.
_BOUNDS: dict[str, tuple[int, bool, int, bool]] = {
    "half_up": (-1, True, 1, False),
    "floor": (0, True, 2, False),
    "half_even": (-1, True, 1, True),
    "largest_remainder": (-2, True, 2, True),
    "half_up_residual": (-1, True, 1, False),
}
_EXACT_BOX = {"half_up", "floor"}   # every integer key in the box with Σ = P reproduces the column
_EPS = 1e-6                          # float pre-filter margin, in units (plus a relative part)


@dataclass(frozen=True)
class PrintedColumn:
    """One printed column split by the unprinted key: its pot, its amounts, a base per recipient."""

    pot: int
    amounts: Sequence[int]
    base_amount: int = 0
    name: str = ""


@dataclass(frozen=True)
class ConventionSearch:
    """What the search found for one rounding convention over the totals searched."""

    rounding: str
    totals_searched: tuple[int, int]
    totals: tuple[int, ...]                 # totals at which at least one key reproduces every column
    keys: dict[int, list[tuple[int, ...]]]  # total -> keys found (up to max_keys)
    key_counts: dict[int, int]              # total -> number of keys (exact count)
    no_integer: int                         # totals where some recipient's interval holds no integer
    sum_mismatch: int                       # totals where every interval holds one, but they cannot add up to P
    allocation_differs: int                 # totals where the candidates, re-allocated, miss the print
    closest_total: int | None = None        # the total with the fewest recipients without an integer
    closest_failing: tuple[int, ...] = ()   # ... and those recipients (indices)

    @property
    def exists(self) -> bool:
        """Return whether any key reproduces every column under this convention."""
        return bool(self.totals)


@dataclass(frozen=True)
class KeyFit:
    """The outcome of :func:`fit_key`: whether a key exists, whether it is unique, and the cells."""

    columns: tuple[PrintedColumn, ...]
    labels: tuple[str, ...]
    searches: dict[str, ConventionSearch]
    cells: pd.DataFrame = field(repr=False)

    @property
    def conventions(self) -> tuple[str, ...]:
        """Return the conventions under which some key reproduces every column."""
        return tuple(r for r, s in self.searches.items() if s.exists)

    @property
    def exists(self) -> bool:
        """Return whether some integer key reproduces every column under one convention."""
        return bool(self.conventions)

    @property
    def convention(self) -> str | None:
        """Return the first convention (in the engine's order) that reproduces every column."""
        return self.conventions[0] if self.conventions else None

    @property
    def totals(self) -> tuple[int, ...]:
        """Return the totals that work under :attr:`convention`."""
        return self.searches[self.convention].totals if self.convention else ()

    @property
    def total_range(self) -> tuple[int, int] | None:
        """Return the smallest and largest total that works under :attr:`convention`."""
        return (min(self.totals), max(self.totals)) if self.totals else None

    @property
    def n_keys(self) -> int:
        """Return how many keys work under :attr:`convention`, over all totals."""
        return sum(self.searches[self.convention].key_counts.values()) if self.convention else 0

    @property
    def unique(self) -> bool:
        """Return whether exactly one key (one total, one key) reproduces the print."""
        return self.exists and self.n_keys == 1 and len(self.conventions_with_other_keys()) == 0

    def conventions_with_other_keys(self) -> list[str]:
        """Return the other conventions whose keys differ from the key of :attr:`convention`."""
        if self.key is None:
            return []
        return [r for r in self.conventions[1:]
                if any(k != self.key for ks in self.searches[r].keys.values() for k in ks)]

    @property
    def key(self) -> tuple[int, ...] | None:
        """Return the key at the smallest working total (the unique key when :attr:`unique`)."""
        if not self.convention:
            return None
        s = self.searches[self.convention]
        return s.keys[min(s.totals)][0]

    def key_frame(self) -> pd.DataFrame:
        """Return the reconstructed key as a table (label, population, share); empty when none exists."""
        if self.key is None:
            return pd.DataFrame(columns=["label", "population", "share"])
        total = sum(self.key)
        return pd.DataFrame({"label": list(self.labels), "population": list(self.key),
                             "share": [p / total for p in self.key]})


def _filter_chunk(P: np.ndarray, lo: np.ndarray, hi: np.ndarray, order: np.ndarray,
                  tolerate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return, for one chunk of totals, (positions kept, failures per kept total, fits per kept total).

    Recipients are taken one at a time (the most constraining first) and a total is dropped once
    more than `tolerate` recipients' widened intervals hold no integer, so the cost is about
    `tolerate` + 1 full passes. The intervals are widened beyond the float error of P·ratio (below
    P·2**-50), so a total dropped here certainly has a recipient without an integer.
    """
    eps = _EPS + float(P[-1]) * 2.0 ** -48 if P.size else _EPS
    keep = np.arange(P.size)
    nfail = np.zeros(P.size, dtype=np.int16)
    sum_lo = np.zeros(P.size)
    sum_hi = np.zeros(P.size)
    for i in order:
        p = P[keep]
        low = np.ceil(p * lo[i, 0] - eps)
        high = np.floor(p * hi[i, 0] + eps)
        for j in range(1, lo.shape[1]):
            np.maximum(low, np.ceil(p * lo[i, j] - eps), out=low)
            np.minimum(high, np.floor(p * hi[i, j] + eps), out=high)
        nfail[keep] += low > high
        sum_lo[keep] += low
        sum_hi[keep] += high
        keep = keep[nfail[keep] <= tolerate]
        if keep.size == 0:
            break
    ok = nfail[keep] == 0
    fits = ok & (sum_lo[keep] <= P[keep]) & (P[keep] <= sum_hi[keep])
    return keep, nfail[keep], fits


def _exact_bounds(P: int, num_lo: list[list[int | None]], num_hi: list[list[int | None]],
                  den: list[int], lo_closed: bool, hi_closed: bool) -> tuple[list[int], list[int]]:
    """Return each recipient's exact integer bounds at total P (from integer numerators / denominators)."""
    lows, highs = [], []
    for nl, nh in zip(num_lo, num_hi):
        lo_i, hi_i = 0, P
        for j, d in enumerate(den):
            if nl[j] is not None:
                q = P * nl[j]
                lo_i = max(lo_i, -((-q) // d) if lo_closed else q // d + 1)
            if nh[j] is not None:
                q = P * nh[j]
                hi_i = min(hi_i, q // d if hi_closed else -((-q) // d) - 1)
        lows.append(lo_i)
        highs.append(hi_i)
    return lows, highs


def _count_keys(lows: list[int], highs: list[int], P: int) -> int:
    """Return how many integer vectors in the box add up to P (a small DP over the offsets)."""
    target = P - sum(lows)
    widths = [h - l for l, h in zip(lows, highs)]
    if target < 0 or target > sum(widths):
        return 0
    ways = [1] + [0] * target
    for w in widths:
        if w == 0:
            continue
        prefix = list(accumulate(ways, initial=0))
        ways = [prefix[t + 1] - prefix[max(0, t - w)] for t in range(target + 1)]
    return ways[target]


def _enumerate_keys(lows: list[int], highs: list[int], P: int, limit: int) -> list[tuple[int, ...]]:
    """Return up to `limit` integer vectors in the box that add up to P."""
    n = len(lows)
    suffix_lo = [0] * (n + 1)
    suffix_hi = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        suffix_lo[i] = suffix_lo[i + 1] + lows[i]
        suffix_hi[i] = suffix_hi[i + 1] + highs[i]
    out: list[tuple[int, ...]] = []

    def walk(i: int, rest: int, acc: list[int]) -> None:
        if len(out) >= limit:
            return
        if i == n:
            if rest == 0:
                out.append(tuple(acc))
            return
        for v in range(max(lows[i], rest - suffix_hi[i + 1]), min(highs[i], rest - suffix_lo[i + 1]) + 1):
            walk(i + 1, rest - v, [*acc, v])

    walk(0, P, [])
    return out


def _reproduces(key: Sequence[int], columns: Sequence[PrintedColumn], rounding: str) -> bool:
    if sum(key) == 0:
        return False
    for c in columns:
        got = allocate(c.pot, list(key), base_amount=c.base_amount, rounding=rounding)  # type: ignore[arg-type]
        if got.tolist() != [int(a) for a in c.amounts]:
            return False
    return True


def default_lower_total(columns: Sequence[PrintedColumn]) -> int:
    """Return the smallest total at which every recipient with a share gets at least one unit."""
    worst = 1
    for c in columns:
        rest = c.pot - len(c.amounts) * c.base_amount
        for a in c.amounts:
            over_base = int(a) - c.base_amount
            if over_base > 0:
                # under every convention p < P·(a − b + 1)/R, so p ≥ 1 needs P > R / (a − b + 1):
                # the smallest amount fixes the smallest total worth searching
                worst = max(worst, math.floor(Fraction(rest, over_base + 1)))
    return worst


class _Searcher:
    """The search for one convention, fed window by window so that all conventions share one range."""

    def __init__(self, columns: Sequence[PrintedColumn], rounding: str, max_keys: int, tolerate: int) -> None:
        n = len(columns[0].amounts)
        self.columns, self.rounding, self.max_keys, self.tolerate = columns, rounding, max_keys, tolerate
        lo_off, self.lo_closed, hi_off, self.hi_closed = _BOUNDS[rounding]
        # exact integer numerators over 2R per recipient and column: p ≥ P·num_lo/den, p ≤ P·num_hi/den
        self.num_lo: list[list[int | None]] = [[None] * len(columns) for _ in range(n)]
        self.num_hi: list[list[int | None]] = [[None] * len(columns) for _ in range(n)]
        self.den: list[int] = []
        for j, c in enumerate(columns):
            self.den.append(2 * (c.pot - n * c.base_amount))
            skip = int(np.argmax(c.amounts)) if rounding == "half_up_residual" else -1
            for i, a in enumerate(c.amounts):
                if i == skip:
                    continue   # the residual lands here: its own amount does not bound it
                self.num_lo[i][j] = max(0, 2 * (int(a) - c.base_amount) + lo_off)
                self.num_hi[i][j] = 2 * (int(a) - c.base_amount) + hi_off
        # ratios for the float pre-filter; a missing bound is [0, 1]
        self.lo = np.array([[0.0 if x is None else x / d for x, d in zip(row, self.den)] for row in self.num_lo])
        self.hi = np.array([[1.0 if x is None else x / d for x, d in zip(row, self.den)] for row in self.num_hi])
        # most constraining recipients first: the narrowest interval drops the most totals
        self.order = np.argsort((self.hi - self.lo).min(axis=1), kind="stable")
        self.totals: list[int] = []
        self.keys: dict[int, list[tuple[int, ...]]] = {}
        self.counts: dict[int, int] = {}
        self.no_int = self.sum_mis = self.alloc_diff = 0
        self.closest: tuple[int, int] | None = None   # (recipients failing, total), within `tolerate`

    def bounds(self, total: int) -> tuple[list[int], list[int]]:
        """Return each recipient's exact integer bounds at one total."""
        return _exact_bounds(total, self.num_lo, self.num_hi, self.den, self.lo_closed, self.hi_closed)

    def scan(self, start: int, stop: int) -> None:
        """Search the totals start..stop (inclusive)."""
        P = np.arange(start, stop + 1, dtype=np.float64)
        keep, nfail, fits = _filter_chunk(P, self.lo, self.hi, self.order, self.tolerate)
        zero = nfail == 0
        self.no_int += P.size - int(zero.sum())
        if (~zero).any():
            k = int(np.argmin(np.where(zero, np.iinfo(np.int16).max, nfail)))
            if self.closest is None or nfail[k] < self.closest[0]:
                self.closest = (int(nfail[k]), start + int(keep[k]))
        self.sum_mis += int((zero & ~fits).sum())
        for t in (keep[fits] + start).tolist():
            self._settle(t)

    def _settle(self, t: int) -> None:
        lows, highs = self.bounds(t)
        if any(lo > hi for lo, hi in zip(lows, highs)):
            self.no_int += 1
            return
        if not sum(lows) <= t <= sum(highs):
            self.sum_mis += 1
            return
        found = _enumerate_keys(lows, highs, t, self.max_keys)
        if self.rounding in _EXACT_BOX:
            # the box is exact: one re-allocation confirms them all; count them without listing
            good = found if found and _reproduces(found[0], self.columns, self.rounding) else []
            count = _count_keys(lows, highs, t) if good else 0
        else:
            good = [k for k in found if _reproduces(k, self.columns, self.rounding)]
            count = len(good)
        if not good:
            self.alloc_diff += 1
            return
        self.totals.append(t)
        self.keys[t] = good
        self.counts[t] = count

    def result(self, first: int, last: int) -> ConventionSearch:
        """Return what was found over first..last."""
        failing: tuple[int, ...] = ()
        closest = None if self.totals or self.closest is None else self.closest[1]
        if closest is not None:
            lows, highs = self.bounds(closest)
            failing = tuple(i for i, (lo, hi) in enumerate(zip(lows, highs)) if lo > hi)
        return ConventionSearch(
            rounding=self.rounding, totals_searched=(first, last), totals=tuple(self.totals), keys=self.keys,
            key_counts=self.counts, no_integer=self.no_int, sum_mismatch=self.sum_mis,
            allocation_differs=self.alloc_diff, closest_total=closest, closest_failing=failing)


def _cells(columns: Sequence[PrintedColumn], labels: Sequence[str], key: Sequence[int] | None,
           rounding: str | None) -> pd.DataFrame:
    rows = []
    for j, c in enumerate(columns):
        got = (allocate(c.pot, list(key), base_amount=c.base_amount, rounding=rounding).tolist()  # type: ignore[arg-type]
               if key is not None and rounding else [None] * len(c.amounts))
        for i, (a, g) in enumerate(zip(c.amounts, got)):
            rows.append({"column": c.name or f"column {j + 1}", "label": labels[i],
                         "key": None if key is None else int(key[i]), "printed_sek": int(a),
                         "reconstructed_sek": g, "deviation_sek": None if g is None else int(a) - g,
                         "verdict": "no_key" if g is None else ("exact" if g == int(a) else "differs")})
    return pd.DataFrame(rows, columns=["column", "label", "key", "printed_sek", "reconstructed_sek",
                                       "deviation_sek", "verdict"])


def fit_key(columns: Sequence[PrintedColumn], *, totals: tuple[int, int] | None = None,
            roundings: Sequence[Rounding] = ROUNDINGS, labels: Sequence[str] | None = None,
            max_total: int = 100_000_000, chunk: int = 1 << 20, max_keys: int = 100,
            closest_within: int = 2) -> KeyFit:
    """Search integer keys whose allocation reproduces every printed column to the krona.

    ``totals`` is the inclusive range of key totals P to search. Without it the search starts at
    the smallest total that gives every recipient one unit (:func:`default_lower_total`) and runs
    until the first total that works, then on to just below twice that total (a multiple of a
    working key always works), never beyond ``max_total``. When no key exists, the total with the
    fewest recipients whose interval holds no integer is reported if that number is at most
    ``closest_within`` (a larger tolerance costs about one more pass over the totals each).
    """
    cols = tuple(columns)
    if not cols:
        raise ValueError("no printed columns to fit a key to")
    n = len(cols[0].amounts)
    if n == 0 or any(len(c.amounts) != n for c in cols):
        raise ValueError("every printed column must have the same, non-zero number of amounts")
    for c in cols:
        if c.pot - n * c.base_amount <= 0:
            raise ValueError(f"column '{c.name}': the base amounts exhaust the pot {c.pot}")
    names = tuple(labels) if labels is not None else tuple(str(i + 1) for i in range(n))
    if len(names) != n:
        raise ValueError(f"{len(names)} labels for {n} recipients")
    if totals is None:
        first, last, adaptive = max(1, default_lower_total(cols)), max_total, True
    else:
        first, last, adaptive = int(totals[0]), int(totals[1]), False
        if first < 1 or last < first:
            raise ValueError(f"the range of totals {totals} is empty or not positive")
    if last > 2 ** 40:
        raise ValueError("totals above 2**40 are beyond the float pre-filter's precision")
    for r in roundings:
        if r not in _BOUNDS:
            raise ValueError(f"unknown rounding '{r}' (known: {', '.join(ROUNDINGS)})")
    searchers = {r: _Searcher(cols, r, max_keys, closest_within) for r in roundings}
    start, end = first, last
    while start <= end:
        # adaptive: windows [s, 2s) at most, so the first working total P0 is found before 2·P0 − 1
        stop = min(end, start + (min(chunk, start) if adaptive else chunk) - 1)
        for s in searchers.values():
            s.scan(start, stop)
        if adaptive:
            found_at = [min(s.totals) for s in searchers.values() if s.totals]
            if found_at:
                # a multiple of a working key always works: stop just below twice the first total
                end = min(end, 2 * min(found_at) - 1)
        start = stop + 1
    searches = {r: s.result(first, start - 1) for r, s in searchers.items()}   # what was scanned
    for r, s in searches.items():
        log.info("key search %s over %d..%d: %d totals work", r, first, s.totals_searched[1], len(s.totals))
    found = [r for r in roundings if searches[r].exists]
    key = searches[found[0]].keys[min(searches[found[0]].totals)][0] if found else None
    return KeyFit(columns=cols, labels=names, searches=searches,
                  cells=_cells(cols, names, key, found[0] if found else None))
