"""Report 31 (continuity of care) in the reader's language (catalogue section `nb31`).

The analyses (helpers.analyses.continuity, synthetic) return codes and numbers: eligibility rules as
codes, the input report as counts, shapes of the synthetic extract as codes. This module words them,
in Swedish or English, and orders the regions by county code, for the tables of report 31.
"""
from __future__ import annotations

from typing import Any, Iterable

import pandas as pd

from .format import date, num, pct
from .i18n import catalogue

INDICES = ("coc", "upc", "secon", "mmci", "hhi")
MEASURES = ("n_visits", "n_providers", *INDICES)
INPUT_FIELDS = ("rows_read", "rows_after_filters", "duplicates_dropped", "patients_below_min_visits")
SHAPE_FORMAT = {"contacts_per_person_year": "decimal", "people_with_contact_share": "percent",
                "listed_per_unit_median": "count", "same_day_share": "percent", "doctor_ids_per_post": "decimal"}


def synthetic_tag(is_synthetic: bool, language: str) -> str:
    """Return the label appended to every caption, figure title and headline of a synthetic run ('' for real data)."""
    return f" — {catalogue(language).t('common.synthetic')}" if is_synthetic else ""


def window_label(window_end: str, language: str, months: int = 18) -> str:
    """Return a window in words: '18 månader till 31 december 2022'."""
    return catalogue(language).t("nb31.window", months=months, end=date(window_end, language))


def profession_label(profession: str, language: str) -> str:
    """Return the profession parameter in words ('doctor' → 'läkare'); a value the catalogue lacks as it is."""
    cat = catalogue(language)
    key = f"codes.profession.{profession}"
    return cat.t(key) if cat.has(key) else str(profession)


def index_label(code: str, language: str) -> str:
    """Return the name of a measure: an index ('coc' → 'COC (Bice–Boxerman)') or a count per patient."""
    return catalogue(language).value("nb31.measures", code)


def rule_label(code: str, language: str, *, min_visits: int, professions: Iterable[str] | None = None) -> str:
    """Return an eligibility rule of continuity.eligibility_flow in words."""
    names = ", ".join(profession_label(p, language) for p in (professions or ()))
    return catalogue(language).t(f"nb31.rules.{code}", n=num(min_visits, 0, language), profession=names)


def eligibility_view(flows: Iterable[tuple[Any, pd.DataFrame]], language: str) -> pd.DataFrame:
    """Return the eligibility flows of several windows for the reader: window, rule, patients left, excluded (%).

    `flows` holds (continuity.Options, eligibility_flow(…, options)) pairs, in the order shown.
    """
    parts = []
    for o, f in flows:
        parts.append(pd.DataFrame({
            "window": window_label(o.window_end, language, o.window_months),
            "rule": [rule_label(r, language, min_visits=o.min_visits, professions=o.professions) for r in f["rule"]],
            "patients_left": f["patients_left"].astype("int64"),
            "excluded": f["excluded"].astype("int64"),
            "excluded_pct": f["excluded_share"].astype(float) * 100}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["window", "rule", "patients_left", "excluded", "excluded_pct"])


def input_report_view(report: dict[str, Any]) -> pd.DataFrame:
    """Return what was read and what counted as one row of counts (the notes are words of the log, left out)."""
    return pd.DataFrame([{k: int(report[k]) for k in INPUT_FIELDS}])


def distribution_view(patients: pd.DataFrame, language: str) -> pd.DataFrame:
    """Return the distribution of visits, providers and each index over patients (patients with a value, mean, …)."""
    d = patients[list(MEASURES)].astype(float)
    q = d.quantile([0.25, 0.5, 0.75])
    return pd.DataFrame({
        "measure": [index_label(c, language) for c in MEASURES],
        "stat_count": d.notna().sum().astype("int64").to_numpy(),
        "stat_mean": d.mean().to_numpy(), "stat_sd": d.std().to_numpy(), "stat_min": d.min().to_numpy(),
        "stat_p25": q.loc[0.25].to_numpy(), "stat_median": q.loc[0.5].to_numpy(), "stat_p75": q.loc[0.75].to_numpy(),
        "stat_max": d.max().to_numpy()})


def shapes_view(shapes: pd.DataFrame, language: str) -> pd.DataFrame:
    """Return synthetic.shape_summary for the reader: each shape in words, its value formatted (shares in percent)."""
    cat = catalogue(language)

    def value(code: str, v: float) -> str:
        kind = SHAPE_FORMAT.get(code, "decimal")
        return pct(v, 1, language) if kind == "percent" else num(v, 0 if kind == "count" else 2, language)

    return pd.DataFrame({"synthetic_shape": [cat.value("nb31.shapes", s) for s in shapes["shape"]],
                         "value": [value(s, v) for s, v in zip(shapes["shape"], shapes["value"])]})


def county_order(frame: pd.DataFrame, by: str = "region") -> pd.DataFrame:
    """Return the rows in county-code order of their region; names the registry does not know last, by name."""
    from ..errors import GonvError
    from ..record.record import load_record

    registry = load_record().registry

    def code(name: Any) -> str:
        try:
            return registry.code(str(name))
        except GonvError:
            return "~" + str(name)  # after every county code (digits)

    keys = frame[by].map(code)
    return frame.assign(_order=keys).sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


def bootstrap_view(boot: pd.DataFrame, increase_pct: float, language: str, *, by: str = "region",
                   index: str = "coc") -> pd.DataFrame:
    """Return continuity.bootstrap_change for the reader: regions in county order, P(+x %) in percent, headers in words."""
    cat = catalogue(language)
    inc = num(increase_pct, 0 if float(increase_pct).is_integer() else 1, language)
    out = county_order(boot, by)[[by, "patients_baseline", "patients_current", f"{index}_baseline", f"{index}_current",
                                  "change_pct", "change_low_pct", "change_high_pct", "p_reach_increase",
                                  "met_point_estimate"]].copy()
    out["p_reach_increase"] = out["p_reach_increase"].astype(float) * 100
    out["met_point_estimate"] = out["met_point_estimate"].astype(bool)
    return out.rename(columns={"p_reach_increase": "@" + cat.t("nb31.h_p_reach", inc=inc),
                               "met_point_estimate": "@" + cat.t("nb31.h_met_point", inc=inc)})


def standardised_view(std: pd.DataFrame, by: str = "region") -> pd.DataFrame:
    """Return the crude and standardised changes per region, in county order."""
    return county_order(std[[by, "change_crude_pct", "change_standardised_pct", "strata_missing_baseline",
                             "strata_missing_current"]], by)


def shares_text(shares: Iterable[float], language: str) -> str:
    """Return provider shares as percentages in the reader's locale: '55 %, 25 %, 12 %, 8 %'."""
    return ", ".join(pct(s, 0, language) for s in shares)
