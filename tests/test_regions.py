"""The region registry: every spelling in the sources maps to one of 21 regions."""
from __future__ import annotations

import pytest

from helpers.errors import UnknownRegionError
from helpers.record.record import county_code_of, harmonise_region, load_registry


def test_registry_has_21_regions_with_scb_codes() -> None:
    reg = load_registry()
    assert len(reg.codes) == 21
    assert reg.codes[0] == "01" and reg.codes[-1] == "25"
    assert "11" not in reg.codes and "02" not in reg.codes  # codes no longer in use


@pytest.mark.parametrize("spelling, expected", [
    ("Stockholms län", "Stockholm"),
    ("Region Stockholm", "Stockholm"),
    ("Sörmland", "Södermanland"),
    ("Region Sörmland", "Södermanland"),
    ("Västragötalandsregionen", "Västra Götaland"),
    ("Västra Götalandsregionen", "Västra Götaland"),
    ("Norrbottnens län", "Norrbotten"),
    ("Norrbottn", "Norrbotten"),
    ("Jämtlands län", "Jämtland Härjedalen"),
    ("Region Jönköpings län", "Jönköping"),
    ("  region   SKÅNE ", "Skåne"),
    ("Örebro län", "Örebro"),
])
def test_spellings_from_the_sources(spelling: str, expected: str) -> None:
    assert harmonise_region(spelling) == expected


def test_scoped_alias_only_in_its_table() -> None:
    assert county_code_of("Götaland", table="sos2020_tabell2_web_booking") == "09"
    with pytest.raises(UnknownRegionError):
        county_code_of("Götaland")


def test_unknown_spelling_lists_closest_names() -> None:
    with pytest.raises(UnknownRegionError) as exc:
        harmonise_region("Västmanlnd")
    assert "unknown region 'Västmanlnd'" in str(exc.value)
    assert "Västmanland" in str(exc.value)
