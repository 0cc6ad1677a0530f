"""Report 30 in the reader's language: the trend analyses' facts worded from the catalogues (expected strings by hand)."""
from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from helpers.analyses.trends import ExAnte, Reaching, RequiredPath, TargetStatus, observation_dates, observations
from helpers.record.record import load_table
from helpers.reports import trends_view as tv
from helpers.reports.format import style_table
from helpers.reports.i18n import LANGUAGES

NBSP = "\u00a0"
DEADLINE = pd.Timestamp("2022-12-31")


def _ex_ante(outcome: str = "estimated", fit: object | None = None, p: tuple = (0.001, 0.0112)) -> ExAnte:
    return ExAnte(pd.DataFrame(), fit, *(p if fit is not None else (None, None)), outcome, 4 if fit else 1)


def test_ex_ante_in_swedish_and_english() -> None:
    fit = SimpleNamespace(n=4, sources=["survey_panel", "survey_population"], left_out=["survey_ihp"])
    assert tv.ex_ante_text(_ex_ante(fit=fit), "survey_panel", DEADLINE, 0.55, "sv") == (
        "Skattad på 4 observationer insamlade senast 31 december 2022 (mätinstrument: Vårdanalys befolkningspanel, "
        "Socialstyrelsens befolkningsundersökningar; utanför, sedda en gång: IHP-undersökningen (Commonwealth Fund)). "
        f"P(den sanna nivån för Vårdanalys befolkningspanel ≥ 55{NBSP}% vid sista dagen) = **0,1{NBSP}%**; "
        f"P(en ny mätning med Vårdanalys befolkningspanel vid sista dagen ≥ 55{NBSP}%) = **1,1{NBSP}%**.")
    assert tv.ex_ante_text(_ex_ante(fit=fit), "survey_panel", DEADLINE, 0.55, "en").endswith(
        "P(a new measurement by the Vårdanalys population panel at the deadline ≥ 55%) = **1.1%**.")
    # one SKR survey value: the reason in words, with the count and the deadline
    assert tv.ex_ante_text(_ex_ante("too_few"), "municipal_survey", DEADLINE, 0.8, "sv") == (
        "**Kan inte skattas i förväg:** observationer från SKR:s enkät till kommunerna insamlade senast "
        "31 december 2022: 1; en trend kräver minst två.")


def test_when_the_trend_reaches_the_target_in_swedish() -> None:
    fit = SimpleNamespace()
    base = dict(fit=fit, prediction=None, outcome="estimated", n_reference=4, slope=-0.0751, slope_sd=0.0372,
                horizon=2030.997)
    assert tv.reaching_text(Reaching(when=None, **base), "survey_panel", 0.55, "sv") == (
        "Vid den skattade trenden (gemensam lutning −0,075 ± 0,037 logit per år) når nivån för Vårdanalys "
        f"befolkningspanel inte 55{NBSP}% före utgången av 2030.")
    assert tv.reaching_text(Reaching(when=2027.44, **{**base, "slope": 0.08}), "survey_panel", 0.55, "sv") == (
        "Vid den skattade trenden (gemensam lutning 0,080 ± 0,037 logit per år) når nivån för Vårdanalys "
        f"befolkningspanel 55{NBSP}% omkring **2027,4** (decimalår).")
    assert "redan på eller över 80" in tv.reaching_text(Reaching(when=2022.08, already=True, **base),
                                                       "municipal_survey", 0.8, "sv")
    assert tv.reaching_text(Reaching(None, None, None, "not_separable", 3), "survey_panel", 0.55, "sv").startswith(
        "**Ingen trend skattas:** observationerna skiljer inte trenden")


def test_required_path_in_swedish() -> None:
    path = RequiredPath(40.0, pd.Timestamp("2020-06-30"), "collected", pd.Timestamp("2021-01-01"), 55.0, DEADLINE,
                        15 / 2.502724)
    assert tv.path_text(path, "sv") == (
        f"Utgångsläge: 40{NBSP}%, insamlat senast 30 juni 2020 (det sista värdet före 1 januari 2021). Målet krävde "
        f"en rak ökning till 55{NBSP}% senast 31 december 2022: 6,0 procentenheter per år.")
    assert tv.path_text(None, "en", pd.Timestamp("2021-01-01")) == (
        "No value was collected before 1 January 2021: the path the target required has no starting point.")


def test_status_in_swedish_names_regions_and_escapes_sources() -> None:
    regional = pd.DataFrame({"county_code": ["14", "10"], "geography": ["Västra Götaland", "Blekinge"],
                             "period_end": pd.to_datetime(["2022-12-31"] * 2), "value": [96.0, 19.0],
                             "met": [True, False], "measure_type": ["region_register"] * 2, "source": ["LT 2023-08"] * 2})
    national = pd.DataFrame({"value": [93.0], "approximate": [True],
                             "population": ["residents of särskilt boende in 282 of 290 municipalities"],
                             "date_basis": ["period_end"], "date": pd.to_datetime(["2022-01-31"]),
                             "source": ["<b>SKR</b> 2022"]})
    st = TargetStatus(80.0, regional, {"01": "Stockholm", "09": "Gotland"},
                      pd.Series({"value": 9, "period_end": DEADLINE, "source": "Ekot"}), national)
    lines = tv.status_text(st, "sv").split("\n\n")
    assert lines[0] == "1 av de 2 regioner som har ett publicerat värde når målet."
    assert lines[1] == f"Rapporterat för hela landet: **9 av 21** regioner nådde 80{NBSP}% senast 31 december 2022 (Ekot)."
    assert lines[2] == "Inte publicerat per region i underlaget: 2 av 21 (Stockholm, Gotland)."
    assert lines[3] == (f"Värde för riket på målets mått: **ungefär 93{NBSP}%** (boende i särskilt boende i 282 av 290 "
                        "kommuner; period till och med 31 januari 2022; \\<b\\>SKR\\</b\\> 2022) — på eller över "
                        f"80{NBSP}%.")
    view = tv.status_view(st, "sv")
    assert list(view["instrument"]) == ["regionernas register"] * 2 and list(view["status"]) == [True, False]


def test_posterior_terms_and_regional_warnings_in_words() -> None:
    params = pd.DataFrame({"term": ["level", "slope", "offset", "noise"],
                           "source": ["survey_panel", None, "survey_population", "survey_panel"],
                           "posterior_mean": [0.1, -0.08, -1.4, 0.26], "posterior_sd": [0.7, 0.06, 1.4, 0.13]})
    fit = SimpleNamespace(reference="survey_panel", parameters=lambda: params)
    assert list(tv.parameters_view(fit, "sv")["parameter"]) == [
        "Nivå för Vårdanalys befolkningspanel vid medeltidpunkten (logit)", "Gemensam lutning (logit per år)",
        "Förskjutning för Socialstyrelsens befolkningsundersökningar mot Vårdanalys befolkningspanel (logit)",
        "Extra brus för Vårdanalys befolkningspanel (standardavvikelse, logit)"]
    data = pd.DataFrame({"county_code": ["01", "03", "01", "03"], "period": [2023, 2023, 2024, 2024]})
    rf = SimpleNamespace(data=data, periods=[2023, 2024], dropped=1,
                         warnings=["The MLE may be on the boundary of the parameter space.", "odd <thing>"])
    assert tv.regional_fit_text(rf, "sv") == (
        "Skattad på 4 värden i 2 regioner, perioderna 2023, 2024. Saknade värden som lämnades utanför: 1. "
        "statsmodels varnade att skattningen kan ligga på parameterrummets rand (en spridning nära noll). "
        "statsmodels varnade: odd \\<thing\\>")


def test_every_instrument_and_population_of_the_record_is_worded_and_headers_are_words() -> None:
    obs = load_table("ext_regular_doctor_observations")
    for lang in LANGUAGES:
        for m in obs["measure_type"].unique():
            assert tv.instrument(m, lang)
        for p in obs["population"].unique():
            assert tv.population(p, lang)
    view = tv.observations_view(observation_dates(observations("share_with_regular_doctor_pc")), "sv")
    html = style_table(view, language="sv", dates=["date"]).to_html()
    headers = re.findall(r"<th[^>]*>(.*?)</th>", html)
    assert "Vilka värdet gäller" in headers and not [h for h in headers if re.search(r"\w_\w", h)]
    assert "den vuxna befolkningen" in html and "30 juni 2022" in html
    with pytest.raises(KeyError, match=r"sv\.yml: no text for 'nb30\.populations\.everyone'"):
        tv.population("everyone", "sv")
    with pytest.raises(KeyError, match=r"no text for 'codes\.measure_type\.survey_pannel'"):
        tv.instrument("survey_pannel", "sv")


def test_headline_in_swedish() -> None:
    fit = SimpleNamespace(n=4, sources=["survey_panel"], left_out=[])
    reach = Reaching(SimpleNamespace(), None, None, "estimated", 4, -0.075, 0.037, False, 2030.997)
    assert tv.headline_figures(6, _ex_ante(fit=fit), reach, 0.55, 2030, "sv") == {
        "Observationer för riket": 6, "P(sann nivå ≥ mål), i förväg": f"0,1{NBSP}%",
        "P(ny mätning ≥ mål), i förväg": f"1,1{NBSP}%", "Målet nås vid trenden": "inte före utgången av 2030"}
    none = tv.headline_figures(1, _ex_ante("too_few"), Reaching(None, None, None, "too_few", 1), 0.8, 2030, "sv")
    assert list(none.values())[1:] == ["ej skattad", "ej skattad", "ingen trend"]
