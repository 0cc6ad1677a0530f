"""Report 31 in the reader's language: the analyses' codes worded from the catalogues (expected strings by hand)."""
from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from helpers.analyses.continuity import Options  # noqa: E402
from helpers.reports import continuity_view as cv  # noqa: E402
from helpers.reports.format import style_table  # noqa: E402

NBSP = "\u00a0"


def _flow() -> pd.DataFrame:
    # what continuity.eligibility_flow returns: codes and counts (1 000 patients, then 900, 600, 580, 400, 250)
    return pd.DataFrame({"rule": ["extract", "window", "profession", "listed", "listed_unit", "min_visits"],
                         "patients_left": [1000, 900, 600, 580, 400, 250],
                         "excluded": [0, 100, 300, 20, 180, 150],
                         "excluded_share": [0.0, 0.1, 0.3, 0.02, 0.18, 0.15]})


def test_windows_rules_and_indices_in_swedish() -> None:
    assert cv.window_label("2022-12-31", "sv") == "18 månader till 31 december 2022"
    assert cv.window_label("2021-06-30", "en") == "18 months to 30 June 2021"
    assert cv.rule_label("min_visits", "sv", min_visits=3) == "Minst 3 räknade besök (dubbletter räknas inte)"
    assert cv.rule_label("profession", "sv", min_visits=3, professions=("doctor",)) == \
        "Minst ett besök hos vald yrkesgrupp (läkare)"
    assert cv.rule_label("listed_unit", "sv", min_visits=3) == "Minst ett besök vid den enhet där patienten är listad"
    assert cv.index_label("coc", "sv") == "COC (Bice–Boxerman)"
    assert cv.index_label("n_visits", "sv") == "Besök per patient"
    assert cv.profession_label("all", "sv") == "alla yrkesgrupper"
    assert cv.profession_label("barnmorska", "sv") == "barnmorska"   # a value of a real extract: as it is
    assert cv.synthetic_tag(True, "sv") == " — SYNTETISKA DATA" and cv.synthetic_tag(False, "sv") == ""
    with pytest.raises(KeyError, match="nb31.rules.age"):
        cv.rule_label("age", "sv", min_visits=3)                     # an unknown rule is an error, never shown raw


def test_eligibility_table_reads_in_swedish() -> None:
    o = Options(window_end="2022-12-31", min_visits=3, professions=("doctor",), listed_only=True, listed_unit_only=True)
    view = cv.eligibility_view([(o, _flow())], "sv")
    assert list(view["rule"])[0] == "Patienter i uttaget" and list(view["rule"])[-1] == "Minst 3 räknade besök (dubbletter räknas inte)"
    assert view["excluded_pct"].tolist() == pytest.approx([0, 10, 30, 2, 18, 15])
    html = style_table(view, language="sv", counts=["patients_left", "excluded"], decimals={"excluded_pct": 1}).to_html()
    head = html.split("<tbody>")[0].split("</style>")[-1]
    for header in ("Period", "Regel", "Patienter kvar", "Utesluts av regeln (patienter)", "Utesluts, andel av uttaget (%)"):
        assert f">{header}</th>" in head
    assert not [h for h in re.findall(r">([^<>]*)</th>", head) if "_" in h]   # no snake_case header
    assert f">1{NBSP}000<" in html and ">18 månader till 31 december 2022<" in html
    assert ">0<" in html and ">0,0<" not in html                        # a whole number without decimals


def test_input_report_and_distribution() -> None:
    report = {"rows_read": 1234, "rows_after_filters": 1000, "duplicates_dropped": 2, "patients_below_min_visits": 7,
              "notes": ["2 duplicated visits dropped"]}
    html = style_table(cv.input_report_view(report), language="sv", counts=list(cv.INPUT_FIELDS)).to_html()
    assert ">Besöksrader lästa</th>" in html and ">Dubbletter borttagna (besök)</th>" in html
    assert "duplicated" not in html and f">1{NBSP}234<" in html          # the log's English note is not shown
    # patients: coc 0.2, 0.4, missing (one visit would leave it undefined), 1.0
    pats = pd.DataFrame({"n_visits": [3, 4, 5, 6], "n_providers": [2, 2, 1, 1], "coc": [0.2, 0.4, None, 1.0],
                         "upc": [0.5] * 4, "secon": [0.5] * 4, "mmci": [0.5] * 4, "hhi": [0.5] * 4})
    d = cv.distribution_view(pats, "sv").set_index("measure")
    assert d.loc["COC (Bice–Boxerman)", "stat_count"] == 3
    assert d.loc["COC (Bice–Boxerman)", "stat_mean"] == pytest.approx(0.5333333)      # (0.2 + 0.4 + 1.0) / 3
    assert d.loc["COC (Bice–Boxerman)", "stat_median"] == pytest.approx(0.4)
    assert d.loc["Besök per patient", "stat_max"] == 6 and d.loc["Besök per patient", "stat_p25"] == pytest.approx(3.75)


def test_synthetic_shapes_shares_as_percent() -> None:
    shapes = pd.DataFrame({"shape": ["contacts_per_person_year", "people_with_contact_share", "listed_per_unit_median"],
                           "value": [2.98, 0.854, 441.0]})
    v = cv.shapes_view(shapes, "sv")
    assert v["synthetic_shape"].tolist()[1] == "Andel av de dragna personerna med minst en kontakt"
    assert v["value"].tolist() == ["2,98", f"85,4{NBSP}%", "441"]
    assert cv.shapes_view(shapes, "en")["value"].tolist() == ["2.98", "85.4%", "441"]


def test_bootstrap_table_in_county_order_with_words() -> None:
    # alphabetical as bootstrap_change returns it; county codes: Stockholm 01, Uppsala 03, Gotland 09
    boot = pd.DataFrame({"region": ["Gotland", "Stockholm", "Uppsala"], "patients_baseline": [10, 30, 20],
                         "patients_current": [11, 31, 21], "coc_baseline": [0.5, 0.4, 0.3], "coc_current": [0.65, 0.4, 0.3],
                         "change_pct": [30.0, 0.0, 0.0], "change_low_pct": [10.0, -5.0, -5.0], "change_high_pct": [50.0, 5.0, 5.0],
                         "p_reach_increase": [0.925, 0.0, 0.0], "met_point_estimate": [True, False, False]})
    v = cv.bootstrap_view(boot, 20.0, "sv")
    assert v["region"].tolist() == ["Stockholm", "Uppsala", "Gotland"]
    html = style_table(v, language="sv", decimals={v.columns[8]: 1}).to_html()
    assert ">P(+20 %): andel av omdragningarna (%)</th>" in html and ">Når +20 % (punktskattning)</th>" in html
    assert ">92,5<" in html and ">Ja<" in html and ">Nej<" in html and "True" not in html
    assert ">COC, utgångsperioden (0–1)</th>" in html and ">Förändring, nedre gräns 95 % (%)</th>" in html
    assert cv.county_order(pd.DataFrame({"region": ["Okänd", "Gotland"]}))["region"].tolist() == ["Gotland", "Okänd"]


def test_figures_say_synthetic_and_read_in_swedish() -> None:
    from helpers.reports.plots import change_interval_chart, describe_figure, index_histograms

    pats = pd.DataFrame({c: [0.2, 0.5, 1.0] for c in ("coc", "upc", "secon", "mmci", "hhi")})
    fig = index_histograms(pats, "Kontinuitetsmåtten — SYNTETISKA DATA", "sv")
    assert describe_figure(fig, "sv") == ("Figur: Kontinuitetsmåtten — SYNTETISKA DATA; vågrät axel: index (0–1); "
                                          "lodrät axel: patienter")
    fig = change_interval_chart(pd.DataFrame({"region": ["A"], "change_pct": [-12.5], "change_low_pct": [-20.0],
                                              "change_high_pct": [-5.0]}), "region", 20.0, "T", "sv")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["95 %-intervall (bootstrap)", "förändring (punktskattning)", "mål +20 %"]
    assert fig.axes[0].get_xlabel() == "förändring från utgångsperioden (procent)"


def test_index_page_shows_the_profession_in_words() -> None:
    from helpers.batch.site import _params
    from helpers.reports.i18n import catalogue

    e = {"parameters": {"profession": "doctor", "language": "sv"}}
    assert _params(e, catalogue("sv")) == "Yrke: läkare"
    assert _params({"parameters": {"profession": "all", "language": "en"}}, catalogue("en")) == "Profession: all professions"
