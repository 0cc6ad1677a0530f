"""What an unprinted key rests on, worded for the reader (helpers.reports.keytext), in Swedish and English.

Expected sentences are written by hand from the catalogue texts and the hand-computed searches of
tests/test_keyfit.py (100 kr by (1, 2, 3) half up: one key at total 6 among 1–11, ten totals without
an integer) and from data/raw/rules/population_keys.csv (the 1 Nov 2018 key's three estimators).
"""
from __future__ import annotations

import re

import pytest

from helpers.analyses.keyfit import PrintedColumn, fit_key
from helpers.analyses.keys import population_key
from helpers.record.record import load_record
from helpers.reports import keytext

NB = "\u00a0"  # Babel's thousands separator and the space before "kr" in Swedish
SMALL = [PrintedColumn(100, [17, 33, 50], name="A")]
# words a Swedish reader should not meet in a Swedish sentence of this module
ENGLISH = re.compile(r"\b(the|of|and|with|which|under|totals|key|rounding|printed|recipient)\b")


def test_a_unique_key_in_swedish_and_english() -> None:
    fit = fit_key(SMALL, totals=(1, 11), roundings=["half_up"])
    sv, en = keytext.describe_fit(fit, "sv"), keytext.describe_fit(fit, "en")
    assert (f"Exakt en nyckel i hela invånare återskapar varje belopp i A (100{NB}kr) på kronan: totalt 6 invånare, "
            "avrundning *avrundning uppåt vid hälften*, bland alla totaler 1–11.") in sv
    assert "Omfördelat med denna nyckel är 3 av 3 tryckta celler exakta." in sv
    assert "för 10 total(er) rymmer minst en mottagares intervall inget heltal" in sv
    assert (f"Exactly one key in whole inhabitants reproduces every amount of A (SEK{NB}100) to the krona: "
            "total 6 inhabitants, rounding *half up*, among all totals 1–11.") in en
    assert "for 10 total(s) at least one recipient's interval holds no integer" in en
    assert not ENGLISH.search(sv), ENGLISH.search(sv)


def test_no_key_is_worded_with_its_proof_per_convention() -> None:
    # 17, 33, 50 and 50, 30, 20 of 100 cannot share one key (test_keyfit); searched over 1–1 000
    cols = [PrintedColumn(100, [17, 33, 50], name="A"), PrintedColumn(100, [50, 30, 20], name="C")]
    fit = fit_key(cols, totals=(1, 1000), labels=["x", "y", "z"], roundings=["half_up"])
    sv = keytext.describe_fit(fit, "sv")
    assert sv.startswith(f"**Ingen nyckel i hela invånare återskapar A (100{NB}kr), C (100{NB}kr) på kronan** med någon "
                         "av *avrundning uppåt vid hälften*.")
    assert f"- *avrundning uppåt vid hälften*, totaler 1–1{NB}000: " in sv
    assert "No key in whole inhabitants" in keytext.describe_fit(fit, "en")


def test_the_2017_key_names_its_total_and_the_residual_krona() -> None:
    # 2017 Tabell 1 and 2: one key, total 9 967 637 (test_keyfit checks it by hand); the 21 half-up amounts
    # of Tabell 1 add up to 654 999 999 kr, and the krona left over went to Stockholm
    key = population_key(load_record(), "2016-11-01")
    assert key.method == "reconstructed"
    sv = keytext.describe_key(key, None, "sv")  # type: ignore[arg-type]  # a reconstructed key needs no distribution
    assert sv.startswith("**Nyckeln per 1 november 2016.**")
    assert f"totalt 9{NB}967{NB}637 invånare" in sv
    assert f"summerar till 654{NB}999{NB}999{NB}kr, och de 1{NB}kr som blev över gick till Stockholm" in sv
    assert "_" not in sv, "a column name reached the reader as a raw key"


@pytest.mark.parametrize("language, words", [
    ("sv", ["mittpunkten av befolkningen 31 december 2018 som den är; en nyckel interpolerad mellan 31 december 2018 "
            "och 1 november 2019; befolkningen vid oktobers slut, återskapad ur befolkningen 31 december 2018",
            "Så byggs felgränsen", "5–94 år", "Största felgräns: **±"]),
    ("en", ["the midpoint of the population of 31 December 2018 as it is; a key interpolated between 31 December 2018 "
            "and 1 November 2019; the end-of-October stock rebuilt from the 31 December 2018 stock",
            "How the error bound", "ages 5–94", "Largest bound: **±SEK"]),
])
def test_the_estimated_2018_key_names_its_estimators_and_bound(language: str, words: list[str]) -> None:
    from helpers.analyses.distributions import distribution

    record = load_record()
    key = population_key(record, "2018-11-01")
    assert key.method == "estimated"
    text = keytext.describe_key(key, distribution(record, 2019), language)
    for w in words:
        assert w in text, (w, text[:600])
