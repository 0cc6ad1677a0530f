"""End to end: build the report site, open every page in headless Chromium as a reader would.

Checks: no console errors, every link on the index resolves, figures are real PNG images, no code
cells shown; for every report in both languages: no horizontal page overflow at 1 400 px, no
snake_case in table headers, every figure with a text alternative in the report's language; the two
index pages link each report to its twin. Skips, saying why, where Chromium is absent (.ci/run
installs Debian's chromium).
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers.paths import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0"]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if k in {"href", "src"} and v and not v.startswith(("data:", "#")):
                self.links.append(v)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec("gonv")
    except NoSuchKernel:
        pytest.skip("the project kernel 'gonv' is not registered (make test registers it)")
    out = tmp_path_factory.mktemp("reports")
    res = subprocess.run([sys.executable, "-m", "helpers", "run", "--no-progress"], cwd=ROOT,
                         env={**os.environ, "GONV_REPORTS": str(out)}, capture_output=True, text=True, timeout=1200)
    assert res.returncode == 0, res.stderr[-3000:]
    return out


def _open(page: Path, profile: Path) -> tuple[str, str]:
    res = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout, res.stderr


def _console_errors(stderr: str) -> list[str]:
    return [l for l in stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l or "Failed to load resource" in l]


def _png_size(data_uri: str) -> tuple[int, int]:
    raw = base64.b64decode(data_uri.split(",", 1)[1])
    assert raw[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", raw[16:24])


def test_index_and_every_report(site: Path, tmp_path: Path) -> None:
    dom, err = _open(site / "index.html", tmp_path / "profile")
    assert not _console_errors(err), _console_errors(err)
    assert "God och nära vård" in dom
    parser = _Links()
    parser.feed((site / "index.html").read_text(encoding="utf-8"))
    reports = [l for l in parser.links if l.endswith(".html")]
    assert reports and len(reports) == len(set(reports))
    for link in parser.links:
        assert (site / link).is_file(), f"broken link on the index: {link}"
    figures = 0
    for link in reports:
        page = site / link
        dom, err = _open(page, tmp_path / "profile")
        assert not _console_errors(err), (link, _console_errors(err))
        assert not re.search(r'class="[^"]*\b(jp-InputArea-editor|jp-InputPrompt)\b', dom), f"code shown in {link}"
        assert "Traceback" not in dom, f"an error is shown in {link}"
        sub = _Links()
        sub.feed(page.read_text(encoding="utf-8"))
        assert not [l for l in sub.links if l.startswith("http")], f"{link} fetches from the network"
        for uri in re.findall(r'src="(data:image/png;base64,[^"]+)"', dom):
            w, h = _png_size(uri)
            assert w > 100 and h > 100
            figures += 1
    assert figures >= 8, f"only {figures} figures rendered"


SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
ALT_WORD = {"sv": "Figur:", "en": "Figure:"}
# measured after load (figures decoded), written into the DOM that --dump-dom prints
MEASURE = ("<script>window.addEventListener('load', () => { const d = document.documentElement;"
           " const o = document.createElement('pre'); o.id = 'gonv-measure';"
           " o.textContent = JSON.stringify({scroll: d.scrollWidth, client: d.clientWidth}); document.body.appendChild(o); });"
           "</script>")


class _Headers(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.alts: list[str | None] = []
        self._in_th = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "th":
            self._in_th = True
            self.headers.append("")
        if tag == "img":
            self.alts.append(dict(attrs).get("alt"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._in_th = False

    def handle_data(self, data: str) -> None:
        if self._in_th:
            self.headers[-1] += data


def _page_width(page: Path, tmp: Path) -> tuple[int, int]:
    copy = tmp / page.name
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    res = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp / 'profile'}", "--window-size=1400,1000",
                          "--virtual-time-budget=5000", "--dump-dom", copy.as_uri()], capture_output=True, text=True, timeout=120)
    m = re.search(r'<pre id="gonv-measure">([^<]*)</pre>', res.stdout)
    assert m, f"no measurement from {page.name}: {res.stderr[-500:]}"
    got = json.loads(m.group(1).replace("&quot;", '"'))
    return got["scroll"], got["client"]


def test_reports_read_in_their_language(site: Path, tmp_path: Path) -> None:
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))["runs"]
    runs = {rid: e for rid, e in manifest.items() if e.get("status") == "ok" and "language" in (e.get("parameters") or {})}
    assert {e["parameters"]["language"] for e in runs.values()} == {"sv", "en"}
    for rid, e in sorted(runs.items()):
        lang, page = e["parameters"]["language"], site / e["html"]
        html = page.read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in html, f"{e['html']}: page language is not {lang}"
        parsed = _Headers()
        parsed.feed(html)
        snake = [h for h in parsed.headers if SNAKE.search(h)]
        assert not snake, f"{e['html']}: snake_case table headers {snake[:5]}"
        for alt in parsed.alts:
            assert alt and alt.startswith(ALT_WORD[lang]) and not (lang == "sv" and alt.startswith("Figure")), \
                f"{e['html']}: figure without a {lang} text alternative: {alt!r}"
        scroll, client = _page_width(page, tmp_path)
        assert scroll <= client, f"{e['html']}: the page is {scroll} px wide in a {client} px window (horizontal overflow)"


def test_index_pages_link_twins_and_show_no_raw_keys(site: Path) -> None:
    sv, en = (site / "index.html").read_text(encoding="utf-8"), (site / "index.en.html").read_text(encoding="utf-8")
    assert '<html lang="sv">' in sv and '<html lang="en">' in en
    assert 'href="index.en.html"' in sv and 'href="index.html"' in en
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))["runs"]
    for e in manifest.values():
        lang = (e.get("parameters") or {}).get("language")
        if lang and e.get("html"):
            # a Swedish report is on the Swedish index, and the English index links to it as the twin
            assert e["html"] in (sv if lang == "sv" else en) and e["html"] in (en if lang == "sv" else sv), e["html"]
    # what a reader sees, without the error line of a failed run (that is for the analyst who fixes it)
    shown = re.sub(r'<div class="err">.*?</div>', " ", sv, flags=re.S)
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(style|a)\b.*?</\1>", " ", shown, flags=re.S))
    assert not SNAKE.search(visible), f"raw key on the Swedish index: {SNAKE.search(visible).group(0)}"
