"""Report 30 (indicator trends against the targets) in the reader's language (catalogue section `nb30`).

The analyses (helpers.analyses.trends) return facts: the status at the deadline as counts and
county codes, the models' outcomes as codes (estimated, too_few, not_separable, not_quantified),
probabilities, slopes, dates, the posterior terms as codes. This module words them, in Swedish or
English, orders regions by county code (or says by what else), and dates everything in words.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from .format import date, num, pct, year_text
from .i18n import catalogue

if TYPE_CHECKING:  # pragma: no cover
    from ..analyses.trends import ExAnte, MeasurementFit, Reaching, RegionalFit, RequiredPath, TargetStatus


def _pc(value: float, language: str, decimals: int = 0) -> str:
    """A value already in percent (55.0) as '55 %' in the locale."""
    return pct(value / 100, decimals, language)


def _prob(p: float | None, language: str) -> str:
    """A probability as a percentage with one decimal ('0,1 %'); none as 'ej skattad'."""
    return catalogue(language).t("nb30.not_estimated") if p is None else pct(p, 1, language)


def instrument(code: str, language: str) -> str:
    """Return a measure type (survey_panel, region_register, …) in words; an unknown code is an error."""
    return catalogue(language).value("codes.measure_type", code)


def indicator(code: str, language: str) -> str:
    """Return an indicator (share_with_regular_doctor_pc, …) in words; an unknown code is an error."""
    return catalogue(language).value("nb30.indicators", code)


def population(text: str, language: str) -> str:
    """Return who a published value describes, in the reader's language (the record's wording is English)."""
    return catalogue(language).value("nb30.populations", text)


def target_line(tgt: pd.Series, language: str) -> str:
    """Return the target in words: what, by when, where it is stated."""
    cat = catalogue(language)
    return cat.md("nb30.target_line", target=cat.value("targets", tgt.name), deadline=date(tgt["deadline"], language),
                  stated_in=str(tgt["stated_in"]), where=cat.value("nb30.geographies", tgt["geography"]))


def measures_note(tgt: pd.Series, indicator_code: str, measure_type: str, language: str) -> str:
    """Return a warning when the modelled series measures something else than the target ('' when the same)."""
    if tgt["indicator"] == indicator_code:
        return ""
    return catalogue(language).t("nb30.different_measures", target=indicator(str(tgt["indicator"]), language),
                                 series=indicator(indicator_code, language), instrument=instrument(measure_type, language))


def observations_view(obs: pd.DataFrame, language: str) -> pd.DataFrame:
    """Return the dated observations for the reader: instrument, region, date and what it is, value, who, source."""
    cat = catalogue(language)
    return pd.DataFrame({
        "instrument": [instrument(m, language) for m in obs["measure_type"]],
        "region": obs["geography"].map(lambda g: cat.t("plots.nation_label") if g == "Riket" else g),
        "date": obs["date"], "date_basis": [cat.value("nb30.date_basis", b) for b in obs["date_basis"]],
        "published": [cat.t("nb30.not_given") if pd.isna(p) else date(p, language) for p in obs["published"]],
        "value_pct": obs["value"].astype(float), "approximate": obs["approximate"].astype(bool),
        "surveyed": [population(p, language) for p in obs["population"]],
        "source": obs["source"].astype(str)})


def status_view(status: "TargetStatus", language: str) -> pd.DataFrame:
    """Return the published region values against the target, highest first: region, date, value, met, instrument."""
    r = status.regional
    return pd.DataFrame({
        "region": r["geography"], "period_end": r["period_end"], "value_pct": r["value"].astype(float),
        "status": r["met"].astype(bool), "instrument": [instrument(m, language) for m in r["measure_type"]],
        "source": r["source"].astype(str)})


def status_text(status: "TargetStatus", language: str) -> str:
    """Return (a) in sentences: how many regions with a value meet it, the national count, who is not published."""
    cat = catalogue(language)
    lines = []
    n_pub = len(status.regional)
    if n_pub:
        lines.append(cat.t("nb30.status_regions", met=int(status.regional["met"].sum()), n=n_pub))
    else:
        lines.append(cat.t("nb30.status_no_regions"))
    if status.reported is not None:
        r = status.reported
        lines.append(cat.md("nb30.status_reported", met=num(int(r["value"]), 0, language),
                            target=_pc(float(status.threshold_pct or 0), language),
                            date=date(r["period_end"], language), source=str(r["source"])))
    if n_pub:
        lines.append(cat.md("nb30.status_absent", n=len(status.absent), regions=", ".join(status.absent.values())))
    for _, o in status.national.iterrows():
        value = _pc(float(o["value"]), language)
        verdict = "" if status.threshold_pct is None else cat.t(
            "nb30.at_or_above" if o["value"] >= status.threshold_pct else "nb30.below",
            target=_pc(status.threshold_pct, language))
        lines.append(cat.md("nb30.status_national", value=cat.t("nb30.about", v=value) if o["approximate"] else value,
                            who=population(str(o["population"]), language),
                            basis=cat.value("nb30.date_basis", o["date_basis"]), date=date(o["date"], language),
                            source=str(o["source"]), verdict=verdict))
    return "\n\n".join(lines)


def _sources(sources: list[str], language: str) -> str:
    return ", ".join(instrument(s, language) for s in sources)


def ex_ante_text(ex: "ExAnte", reference: str, deadline: pd.Timestamp, threshold: float | None, language: str) -> str:
    """Return (b) in words: what was fitted on what, and the two probabilities, each named apart."""
    cat = catalogue(language)
    ref, when = instrument(reference, language), date(deadline, language)
    if ex.fit is None:
        return cat.t(f"nb30.ex_ante_{ex.outcome}", n=ex.n_reference, instrument=ref, deadline=when)
    used = cat.t("nb30.ex_ante_fitted", n=ex.fit.n, deadline=when, sources=_sources(ex.fit.sources, language),
                 left_out=cat.t("nb30.left_out", sources=_sources(ex.fit.left_out, language)) if ex.fit.left_out else "")
    if threshold is None:
        return used + " " + cat.t("nb30.not_quantified")
    return used + " " + cat.t("nb30.ex_ante_probabilities", instrument=ref, target=_pc(threshold * 100, language),
                              p_level=_prob(ex.p_level, language), p_obs=_prob(ex.p_observation, language))


def parameters_view(fit: "MeasurementFit", language: str) -> pd.DataFrame:
    """Return the posterior of a measurement model with each term in words (logit scale)."""
    cat = catalogue(language)
    p = fit.parameters()
    words = [cat.t(f"nb30.terms.{t}", source="" if pd.isna(s) else instrument(str(s), language),
                   reference=instrument(fit.reference, language)) for t, s in zip(p["term"], p["source"])]
    return pd.DataFrame({"parameter": words, "posterior_mean": p["posterior_mean"], "posterior_sd": p["posterior_sd"]})


def leaning_text(fit: "MeasurementFit", language: str) -> str:
    """Return the caution that few points make the answer lean on the prior."""
    return catalogue(language).t("nb30.leaning", n=fit.n, k=fit.means.shape[1], s=len(fit.sources))


def path_text(path: "RequiredPath | None", language: str, baseline_before: pd.Timestamp | None = None) -> str:
    """Return (c) in words: the baseline and the straight rise the target required."""
    cat = catalogue(language)
    if path is None:
        return cat.t("nb30.path_none", before=date(baseline_before, language))
    return cat.t("nb30.path", value=_pc(path.baseline_value, language),
                 basis=cat.value("nb30.date_basis", path.baseline_basis), date=date(path.baseline_date, language),
                 before=date(path.baseline_before, language), target=_pc(path.target_pct, language),
                 deadline=date(path.deadline, language), rate=num(path.points_per_year, 1, language))


def path_view(table: pd.DataFrame, language: str) -> pd.DataFrame:
    """Return the observed values against the required path, the dates' basis in words."""
    if table.empty:
        return table
    cat = catalogue(language)
    return table.assign(date_basis=[cat.value("nb30.date_basis", b) for b in table["date_basis"]])


def reaching_text(reach: "Reaching", reference: str, threshold: float | None, language: str) -> str:
    """Return (d) in words: when the fitted trend reaches the target, or why there is no answer."""
    cat = catalogue(language)
    ref = instrument(reference, language)
    if reach.fit is None:
        return cat.t(f"nb30.reach_{reach.outcome}", n=reach.n_reference, instrument=ref)
    if threshold is None:
        return cat.t("nb30.not_quantified")
    values: dict[str, Any] = dict(instrument=ref, target=_pc(threshold * 100, language),
                                  slope=num(reach.slope, 3, language), sd=num(reach.slope_sd, 3, language))
    if reach.already:
        return cat.t("nb30.reach_already", **values)
    if reach.when is None:
        return cat.t("nb30.reach_not_within", horizon=int(reach.horizon or 0), **values)
    return cat.t("nb30.reach_when", when=year_text(reach.when, language), **values)


def regional_source(frame: pd.DataFrame, language: str) -> str:
    """Return where the regional series comes from: the shipped table (external-facts §6) or a fetched snapshot."""
    cat = catalogue(language)
    src = str(frame["source"].iloc[0]) if len(frame) else ""
    return cat.md("nb30.kolada_snapshot", source=src) if src.startswith("Kolada (RKA)") else cat.t("nb30.kolada_shipped")


def regional_counts_view(frame: pd.DataFrame) -> pd.DataFrame:
    """Return per KPI: its periods, the values and the missing values."""
    g = frame.groupby("kpi")
    return pd.DataFrame({"kpi": list(g.groups),
                         "periods": [", ".join(map(str, sorted(set(p)))) for _, p in g["period"]],
                         "values": g["value"].count().to_numpy(),
                         "missing": g["value"].apply(lambda v: int(v.isna().sum())).to_numpy()})


def regional_fit_text(fit: "RegionalFit", language: str) -> str:
    """Return what the regional model was fitted on, and what statsmodels warned, in words."""
    cat = catalogue(language)
    d = fit.data
    parts = [cat.t("nb30.regional_fitted", values=num(len(d), 0, language), regions=d["county_code"].nunique(),
                   periods=", ".join(map(str, fit.periods)))]
    if fit.dropped:
        parts.append(cat.t("nb30.regional_dropped", n=fit.dropped))
    for w in fit.warnings:
        # the boundary warning is worded; any other warning is quoted as statsmodels said it
        parts.append(cat.t("nb30.warning_boundary") if "boundary of the parameter space" in w
                     else cat.md("nb30.warning_other", text=w))
    return " ".join(parts)


def regional_summary_view(fit: "RegionalFit", language: str) -> pd.DataFrame:
    """Return the regional model's common change and spreads with each quantity in words."""
    cat = catalogue(language)
    s = fit.summary()
    return s.assign(quantity=[cat.t(f"nb30.quantities.{q}") for q in s["quantity"]])



def headline_figures(n_national: int, ex: "ExAnte", reach: "Reaching", threshold: float | None, horizon_year: int,
                     language: str) -> dict[str, str | int]:
    """Return report 30's headline: national observations, the two ex-ante probabilities, when the trend reaches it."""
    cat = catalogue(language)
    reached = (cat.t("nb30.reached_no_trend") if reach.fit is None or threshold is None else
               cat.t("nb30.reached_already") if reach.already else
               cat.t("nb30.reached_not_within", horizon=horizon_year) if reach.when is None else
               year_text(reach.when, language))
    return {cat.t("nb30.h_observations"): n_national, cat.t("nb30.h_p_level"): _prob(ex.p_level, language),
            cat.t("nb30.h_p_obs"): _prob(ex.p_observation, language), cat.t("nb30.h_reached"): reached}
