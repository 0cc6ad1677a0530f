"""End to end: build the report site, open every page in headless Chromium as a reader would.

Checks: no console errors, every link on the index resolves, figures are real PNG images, no code
cells shown. Skips, saying why, where Chromium is absent (.ci/run installs Debian's chromium).
"""
from __future__ import annotations

import base64
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
