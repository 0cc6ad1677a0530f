"""What an unprinted population key rests on, in the report's language (catalogue section `keytext`).

The analyses (helpers.analyses.keyfit, keybounds, keys) return facts: the totals searched, the counts
behind each proof, the estimators and their bounds. This module words them, in Swedish or English,
for report 10: a reconstructed key with the proof that it is unique, an estimated key with its
largest error bound and the method of the bound.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .format import md_text, money, num
from .i18n import catalogue

if TYPE_CHECKING:  # pragma: no cover
    from ..analyses.keyfit import ConventionSearch, KeyFit
    from ..analyses.keys import PopulationKey


def _n(value: int, language: str) -> str:
    return num(value, 0, language)


def _rounding(r: str | None, language: str) -> str:
    return f"*{catalogue(language).value('rounding', r)}*"


def proof(s: "ConventionSearch", language: str) -> str:
    """Return why no (other) total works under one convention, counted."""
    cat = catalogue(language)
    parts = []
    if s.no_integer:
        parts.append(cat.t("keytext.proof_no_integer", n=_n(s.no_integer, language)))
    if s.sum_mismatch:
        parts.append(cat.t("keytext.proof_sum_mismatch", n=_n(s.sum_mismatch, language)))
    if s.allocation_differs:
        parts.append(cat.t("keytext.proof_allocation_differs", n=_n(s.allocation_differs, language)))
    return "; ".join(parts) or cat.t("keytext.proof_nothing_searched")


def describe_fit(fit: "KeyFit", language: str) -> str:
    """Return the finding of a key search (Markdown), with its proof, in the report's language."""
    from ..analyses.allocation import allocate

    cat = catalogue(language)

    def lab(i: int) -> str:
        return md_text(fit.labels[i])

    def name(j: int) -> str:
        c = fit.columns[j]
        return md_text(cat.header(c.name, words=True).split(" (")[0] if c.name else cat.t("keytext.column_n", n=j + 1))

    def column(j: int) -> str:
        return f"{name(j)} ({money(fit.columns[j].pot, language)})"

    def failed(r: str, s: "ConventionSearch") -> str:
        a, b = s.totals_searched
        line = cat.t("keytext.failed_line", rounding=_rounding(r, language), a=_n(a, language), b=_n(b, language),
                     proof=proof(s, language))
        if s.closest_total is not None:
            line += " " + cat.t("keytext.closest", total=_n(s.closest_total, language), n=len(s.closest_failing),
                                who=", ".join(lab(i) for i in s.closest_failing))
        return "- " + line

    cols = ", ".join(column(j) for j in range(len(fit.columns)))
    lines = []
    if fit.exists:
        s = fit.searches[str(fit.convention)]
        a, b = s.totals_searched
        key = fit.key or ()
        if fit.unique:
            lines.append(cat.t("keytext.unique", columns=cols, total=_n(sum(key), language),
                               rounding=_rounding(fit.convention, language), a=_n(a, language), b=_n(b, language)))
        else:
            lo, hi = fit.total_range or (0, 0)
            lines.append(cat.t("keytext.not_unique", columns=cols, rounding=_rounding(fit.convention, language),
                               n_totals=len(s.totals), lo=_n(lo, language), hi=_n(hi, language),
                               n_keys=_n(fit.n_keys, language), a=_n(a, language), b=_n(b, language)))
        exact = int((fit.cells["verdict"] == "exact").sum())
        lines.append(cat.t("keytext.exact_cells", exact=exact, cells=len(fit.cells)))
        if fit.convention == "half_up_residual":
            parts = []
            for j, c in enumerate(fit.columns):
                plain = allocate(c.pot, list(key), base_amount=c.base_amount, rounding="half_up")
                left = c.pot - int(plain.sum())
                parts.append(cat.t("keytext.residual_left", column=name(j), sum=money(int(plain.sum()), language),
                                   left=money(left, language), who=lab(int(np.argmax(c.amounts))))
                             if left else cat.t("keytext.residual_none", column=name(j),
                                                sum=money(int(plain.sum()), language)))
            lines.append(cat.t("keytext.residual", parts="; ".join(parts)))
        others = list(fit.conventions[1:])
        if others:
            lines.append(cat.t("keytext.other_conventions_same" if not fit.conventions_with_other_keys()
                               else "keytext.other_conventions_other",
                               roundings=", ".join(_rounding(r, language) for r in others)))
        lines.append(cat.t("keytext.proof_unique", rounding=_rounding(fit.convention, language),
                           proof=proof(s, language)))
        rest = [failed(r, x) for r, x in fit.searches.items() if not x.exists]
        if rest:
            lines.append(cat.t("keytext.no_key_other_conventions") + "\n" + "\n".join(rest))
    else:
        lines.append(cat.t("keytext.no_key", columns=cols,
                           roundings=", ".join(_rounding(r, language) for r in fit.searches)))
        lines.append("\n".join(failed(r, s) for r, s in fit.searches.items()))
    lines.append(cat.t("keytext.fit_method"))
    lines.append(cat.t("keytext.scale_note"))
    return "\n\n".join(lines)


def estimator_words(kind: str, args: tuple[str, ...], language: str) -> str:
    """Return one estimator of an estimated key in words (dates in the report's locale)."""
    from .format import date

    cat = catalogue(language)
    if kind == "interpolate":
        return cat.t("keytext.estimator_interpolate", d0=date(args[0], language), d1=date(args[1], language))
    return cat.t(f"keytext.estimator_{kind}", date=date(args[0], language))


def bounds_method(language: str) -> str:
    """Return how the error bound of an estimated key is built (Markdown)."""
    return catalogue(language).t("keytext.bounds_method")


def describe_key(key: "PopulationKey", dist: pd.DataFrame, language: str) -> str:
    """Return, in Markdown, what a key that is not printed rests on and, if estimated, its bound."""
    from .format import date

    cat = catalogue(language)
    when = date(key.key_date, language)
    if key.fit is not None:
        head = cat.t("keytext.reconstructed_head" if key.method == "reconstructed" else "keytext.implied_head",
                     date=when)
        return head + "\n\n" + describe_fit(key.fit, language)  # type: ignore[arg-type]
    rows = dist[dist["estimate"]]
    per_region = rows.groupby(["county_code", "region"], as_index=False)["error_bound_sek"].sum()
    text = cat.t("keytext.estimate_head", date=when, amount=money(int(rows["amount_sek"].sum()), language),
                 estimators="; ".join(estimator_words(k, a, language) for k, a in key.estimators))
    if len(per_region):
        worst = per_region.loc[per_region["error_bound_sek"].idxmax()]
        text += " " + cat.t("keytext.largest_bound", bound=money(worst["error_bound_sek"], language),
                            region=md_text(worst["region"]), sum=money(per_region["error_bound_sek"].sum(), language))
    return text + "\n\n" + bounds_method(language)
