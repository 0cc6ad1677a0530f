"""The key-mix format of the rules ('population:0.5;municipal_care_recipients:0.5'), parsed and checked.

It is part of the record (a rule is refused when its mix is malformed or its weights do not add up
to 1); the allocation engine applies it.
"""
from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from ..errors import KeyMixError


def _check_weights(weights: Mapping[str, Fraction], text: str) -> None:
    if not weights:
        raise KeyMixError(f"key mix '{text}' names no key column")
    bad = [c for c, w in weights.items() if w <= 0]
    if bad:
        raise KeyMixError(f"key mix '{text}': the weight of '{bad[0]}' must be positive")
    total = sum(weights.values(), Fraction(0))
    if total != 1:
        # a mix that adds up to 0.5 is a typo, not an instruction to rescale
        raise KeyMixError(f"key mix '{text}': the weights add up to {float(total):g}, not to 1")


def parse_mix(text: str) -> dict[str, Fraction]:
    """Parse a key mix written as data, 'population:0.5;municipal_care_recipients:0.5' (weights sum to 1)."""
    out: dict[str, Fraction] = {}
    for part in str(text).split(";"):
        name, _, weight = part.partition(":")
        name, weight = name.strip(), weight.strip()
        if not name or not weight:
            raise KeyMixError(f"key mix '{text}' is not of the form 'column:weight;…'")
        if name in out:
            raise KeyMixError(f"key mix '{text}' names '{name}' twice")
        try:
            out[name] = Fraction(weight)
        except (ValueError, ZeroDivisionError):
            raise KeyMixError(f"key mix '{text}': '{weight}' is not a weight such as 0.5 or 1/3") from None
    _check_weights(out, str(text))
    return out
