"""The index pages: one per language, twins linked, headline figures in printed order, values escaped."""
from __future__ import annotations

from pathlib import Path

from helpers.batch.site import write_index


def _entry(lang: str, html: str, headline: dict) -> dict:
    return {"notebook": "00_source_tables.ipynb", "parameters": {"language": lang, "year": 2020}, "status": "ok",
            "html": html, "ipynb": html.replace(".html", ".ipynb"), "duration_s": 2.5, "headline": headline,
            "finished_at": "2026-01-01T00:00:00+00:00"}


def test_index_per_language_with_twins(tmp_path: Path) -> None:
    # the manifest stores parameters and headline keys sorted (JSON); the order key restores the printed order
    manifest = {
        "00_source_tables--2020-sv-aaaaaa": _entry("sv", "00/sv.html", {"_order": ["Ö först", "A sedan"], "A sedan": "2",
                                                                         "Ö först": "<b>1</b>"}),
        "00_source_tables--2020-en-bbbbbb": _entry("en", "00/en.html", {"First": "1"}),
    }
    write_index(list(manifest), manifest, [], [2017, 2024], reports=tmp_path)
    sv = (tmp_path / "index.html").read_text(encoding="utf-8")
    en = (tmp_path / "index.en.html").read_text(encoding="utf-8")
    assert '<html lang="sv">' in sv and '<html lang="en">' in en
    assert 'href="00/sv.html"' in sv and 'href="00/en.html"' in sv            # the report and its English twin
    assert 'href="00/en.html"' in en and 'href="00/sv.html"' in en
    assert sv.index("Ö först") < sv.index("A sedan")                          # printed order, not sorted
    assert "&lt;b&gt;1&lt;/b&gt;" in sv and "<b>1</b>" not in sv               # headline values are escaped
    assert "Det publicerade underlaget per år" in sv and "00_source_tables" not in sv.split("<body>")[1].split("href")[0]
    assert "År: 2020" in sv and "Year: 2020" in en and "2,5 s" in sv and "2.5 s" in en
    assert "_order" not in sv


def test_parameters_in_reading_order_and_the_time_in_swedish_time(tmp_path: Path) -> None:
    # 2026-01-01 00:00 UTC is 01:00 in Stockholm (CET, UTC+1); 2026-07-01 12:30 UTC is 14:30 (CEST, UTC+2)
    winter = _entry("sv", "00/sv.html", {})
    summer = {**_entry("sv", "20/sv.html", {}), "notebook": "20_compare_years.ipynb", "finished_at": "2026-07-01T12:30:00+00:00",
              "parameters": {"base_year": 2019, "language": "sv", "region": "Gotland", "target_year": 2021}}
    manifest = {"00_source_tables--2020-sv-aaaaaa": winter, "20_compare_years--2019-2021-gotland-sv-cccccc": summer}
    write_index(list(manifest), manifest, [], [2017, 2024], reports=tmp_path)
    sv = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "Från år: 2019, Till år: 2021, Region: Gotland" in sv
    assert "1 jan. 2026 01:00" in sv and "1 juli 2026 14:30" in sv
    assert "+00:00" not in sv and "Klar (svensk tid)" in sv
