"""Split a pot by a key into whole kronor, exactly (rational arithmetic, no float drift).

The conventions an administration actually uses are all here:
- ``half_up``: round each cell half up (the column may miss the pot by a few kronor);
- ``largest_remainder``: floor each cell, then give the missing kronor to the largest remainders,
  so the column sums to the pot exactly (Hamilton's method);
- ``half_up_residual``: round half up, then put the residual on one recipient (by default the one
  with the largest amount);
- ``floor``: truncate each cell;
- ``half_even``: banker's rounding per cell.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import KeyMixError
from ..record.keymix import _check_weights, parse_mix  # noqa: F401 - the key-mix format is the record's

Rounding = Literal["half_up", "largest_remainder", "half_up_residual", "floor", "half_even"]
ROUNDINGS: tuple[Rounding, ...] = ("half_up", "largest_remainder", "half_up_residual", "floor", "half_even")


def to_fraction(value: object) -> Fraction:
    """Return an exact Fraction for an int, a Fraction, a Decimal or a float (via its shortest repr)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("a weight cannot be a bool")
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"weight {value} is not finite")
        return Fraction(repr(value))
    return Fraction(str(value))


def round_half_up(x: Fraction) -> int:
    """Round half up (0.5 → 1, 2.5 → 3) exactly."""
    return math.floor(x + Fraction(1, 2))


def round_half_even(x: Fraction) -> int:
    """Round half to even exactly."""
    return round(x)


def mix_shares(keys: pd.DataFrame, mix: Mapping[str, object]) -> pd.Series:
    """Return each row's share under a weighted mix of keys: Σ_k w_k · key_k,i / Σ_i key_k,i.

    With ``mix = {"population": 0.5, "municipal_care_recipients": 0.5}`` half the pot follows
    population and half follows recipients. The weights must sum to 1 (a mix adding up to 0.5 is
    an error, not rescaled), so the shares are exact Fractions summing to 1.
    """
    weights = {c: to_fraction(w) for c, w in mix.items()}
    _check_weights(weights, ";".join(f"{c}:{w}" for c, w in mix.items()))
    shares = pd.Series([Fraction(0)] * len(keys), index=keys.index, dtype=object)
    for column, weight in mix.items():
        values = [to_fraction(v) for v in keys[column]]
        total = sum(values, Fraction(0))
        if any(v < 0 for v in values):
            raise KeyMixError(f"key column '{column}' has a negative value")
        if total <= 0:
            raise KeyMixError(f"key column '{column}' sums to {total}; cannot split by it")
        w = weights[column]
        shares = shares + pd.Series([w * v / total for v in values], index=keys.index, dtype=object)
    return shares


def exact_amounts(pot: int, weights: Sequence[object] | pd.Series, *, base_amount: int = 0,
                  share_decimals: int | None = None) -> list[Fraction]:
    """Return the exact (unrounded) amount of each recipient: base + (pot − n·base) · w_i / Σw.

    ``share_decimals`` rounds each share half up to that many decimals first, as a spreadsheet
    with a rounded share column would.
    """
    w = [to_fraction(x) for x in (weights.tolist() if isinstance(weights, pd.Series) else weights)]
    if not w:
        raise ValueError("no recipients to allocate to")
    if any(x < 0 for x in w):
        raise ValueError("weights must not be negative")
    total = sum(w, Fraction(0))
    if total == 0:
        raise ValueError("weights sum to zero")
    rest = Fraction(pot) - len(w) * base_amount
    if rest < 0:
        raise ValueError(f"the base amounts ({len(w)} × {base_amount}) exceed the pot {pot}")
    shares = [x / total for x in w]
    if share_decimals is not None:
        scale = 10 ** share_decimals
        shares = [Fraction(round_half_up(s * scale), scale) for s in shares]
    return [base_amount + rest * s for s in shares]


def allocate(pot: int, weights: Sequence[object] | pd.Series, *, base_amount: int = 0,
             rounding: Rounding = "largest_remainder", residual_to: object | None = None,
             share_decimals: int | None = None) -> pd.Series:
    """Split `pot` kronor by `weights` into whole kronor per recipient under a rounding convention.

    Each recipient gets ``base_amount`` first and the rest of the pot by its weight share.
    Returns an int64 Series (indexed like `weights` when it is a Series).
    """
    if isinstance(pot, bool) or int(pot) != pot:
        raise ValueError(f"the pot must be whole kronor, got {pot!r}")
    pot = int(pot)
    index = weights.index if isinstance(weights, pd.Series) else pd.RangeIndex(len(weights))
    exact = exact_amounts(pot, weights, base_amount=base_amount, share_decimals=share_decimals)
    if rounding == "half_up":
        out = [round_half_up(x) for x in exact]
    elif rounding == "half_even":
        out = [round_half_even(x) for x in exact]
    elif rounding == "floor":
        out = [math.floor(x) for x in exact]
    elif rounding == "largest_remainder":
        out = [math.floor(x) for x in exact]
        missing = pot - sum(out)
        if missing > 0:
            # largest fractional part first; ties to the larger amount, then to the earlier row
            order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - out[i]), -exact[i], i))
            for i in order[:missing]:
                out[i] += 1
    elif rounding == "half_up_residual":
        out = [round_half_up(x) for x in exact]
        residual = pot - sum(out)
        if residual:
            if residual_to is None:
                target = max(range(len(exact)), key=lambda i: (exact[i], -i))
            else:
                target = list(index).index(residual_to)
            out[target] += residual
    else:
        raise ValueError(f"unknown rounding '{rounding}' (known: {', '.join(ROUNDINGS)})")
    return pd.Series(out, index=index, dtype="int64")
