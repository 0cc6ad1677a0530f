"""The report catalogues (src/helpers/reports/i18n/*.yml): the same keys and placeholders in every language,
and the locale formatting the reports use (expected strings written by hand from the issue)."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers.errors import ParameterError
from helpers.reports import format as fmt
from helpers.reports.i18n import LANGUAGES, catalogue, placeholders


def test_every_key_in_every_language() -> None:
    keys = {lang: set(catalogue(lang).texts) for lang in LANGUAGES}
    for a in LANGUAGES:
        for b in LANGUAGES:
            missing = sorted(keys[a] - keys[b])
            assert not missing, f"in {a}.yml but not in {b}.yml: {missing[:20]}"


def test_same_placeholders_and_no_empty_text() -> None:
    sv, en = catalogue("sv"), catalogue("en")
    for key, text in sv.texts.items():
        assert text.strip(), f"sv.yml: '{key}' is empty"
        assert en.texts[key].strip(), f"en.yml: '{key}' is empty"
        assert placeholders(text) == placeholders(en.texts[key]), f"'{key}': placeholders differ between sv and en"


def test_missing_key_names_the_catalogue() -> None:
    with pytest.raises(KeyError, match=r"sv\.yml: no text for 'nb99.nothing'"):
        catalogue("sv").t("nb99.nothing")
    with pytest.raises(KeyError, match="no header for column 'amount_sek_total'"):
        catalogue("sv").header("amount_sek_total")
    with pytest.raises(ParameterError, match="language must be one of sv, en"):
        catalogue("de")


def test_headers_are_words_with_units() -> None:
    sv, en = catalogue("sv"), catalogue("en")
    assert sv.header("amount_sek_2019") == "Belopp 2019 (kr)"
    assert en.header("amount_sek_2019") == "Amount 2019 (SEK)"
    assert sv.header("per_capita_sek_2021") == "Kronor per invånare 2021"
    for lang in LANGUAGES:
        for key, text in catalogue(lang).texts.items():
            if key.startswith("headers."):
                assert "_" not in text, f"{lang}.yml: header '{key}' is snake_case: {text}"


def test_swedish_numbers() -> None:
    nbsp = "\u00a0"
    assert fmt.money(1234567) == f"1{nbsp}234{nbsp}567{nbsp}kr"
    assert fmt.pct(0.55, 0) == f"55{nbsp}%"
    assert fmt.num(0.53, 2) == "0,53"
    assert fmt.kr(-2500) == "\u22122\u00a0500"            # the Swedish minus sign, U+2212
    assert fmt.num(17000, 0) == f"17{nbsp}000"
    assert fmt.num(-0.04, 1) == "0,0"                       # rounds to zero: no sign
    assert fmt.money(1234567, "en") == f"SEK{nbsp}1,234,567"
    assert fmt.pct(0.55, 0, "en") == "55%"
    assert fmt.date("2018-12-31") == "31 december 2018"
    assert fmt.date("2018-12-31", "en") == "31 December 2018"
    assert catalogue("sv").yes_no(True) == "Ja" and catalogue("sv").yes_no(False) == "Nej"


def test_style_table_words_whole_numbers_and_escaping() -> None:
    df = pd.DataFrame({"region": ["<b>Gotland</b>"], "amount_sek": [17000], "per_capita_sek": [17000.0],
                       "estimate": [True], "year": [2019]})
    html = fmt.style_table(df, language="sv", kronor=["amount_sek"]).to_html()
    assert "&lt;b&gt;Gotland&lt;/b&gt;" in html and "<b>Gotland" not in html
    assert "Belopp (kr)" in html and "Kronor per invånare" in html and ">Ja<" in html
    assert "17\u00a0000<" in html and "17\u00a0000,00" not in html    # whole numbers never with decimals
    assert ">2019<" in html                                              # a year has no thousands separator
    assert "amount_sek" not in html.split("<tbody>")[0].split("</style>")[-1]


def test_a_new_printed_column_reads_as_words() -> None:
    # a column a new year brings, not yet in the catalogue: its name in words with its unit, never snake_case
    assert catalogue("sv").header("omstallning_sek", words=True) == "Omstallning (kr)"
    assert catalogue("en").header("omstallning_sek", words=True) == "Omstallning (SEK)"
    assert catalogue("sv").header("nya_platser_n", words=True) == "Nya platser (antal)"
    assert catalogue("sv").header("nara_vard_sek", words=True) == "Nära vård (kr)"   # the catalogue's own wording first


def test_a_decimal_year_has_no_thousands_separator() -> None:
    # "2 027,4" would read as two thousand and twenty-seven; a year is a name with one decimal here
    assert fmt.year_text(2027.44, "sv") == "2027,4" and fmt.year_text(2027.44, "en") == "2027.4"
