"""`python -m helpers fetch …`: snapshots written against the local server; offline is one line, exit 1."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.opendata import read_kolada_snapshot, read_population_snapshot
from helpers.paths import ROOT

from opendata_server import Answer, ReplayServer, fixture

PATH_517 = "/v3/data/kpi/N79517/municipality/0000,0001,0003,0018/year/2024"


def _fetch(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "GONV_SNAPSHOTS": str(tmp_path / "snapshots"), **env}
    return subprocess.run([sys.executable, "-m", "helpers", "fetch", *args], capture_output=True, text=True,
                          env=full, timeout=120)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_fetch_kolada_writes_a_snapshot(tmp_path: Path) -> None:
    with ReplayServer() as srv:
        srv.route(PATH_517, fixture("kolada_N79517_2024.json"))
        res = _fetch(tmp_path, "kolada", "N79517", "--regions", "01", "03", "18", "--years", "2024",
                     GONV_KOLADA_URL=srv.url)
    assert res.returncode == 0, res.stderr
    [line] = res.stdout.splitlines()
    assert line.startswith("wrote ") and "N79517.json" in line and "licence CC BY 4.0" in line
    [snap] = (tmp_path / "snapshots" / "kolada").glob("*/N79517.json")
    assert len(read_kolada_snapshot(snap)) == 3


def test_fetch_scb_writes_a_snapshot_with_years_as_a_range(tmp_path: Path) -> None:
    with ReplayServer() as srv:
        srv.route("/api/v2/config", fixture("scb_config.json"))
        srv.route("/api/v2/tables/FolkmangdNov/metadata", fixture("scb_FolkmangdNov_metadata.json"))
        srv.route("/api/v2/tables/FolkmangdNov/data", fixture("scb_FolkmangdNov_data_2018.json"))
        res = _fetch(tmp_path, "scb", "FolkmangdNov", "--years", "2018-2018", "--base-url", srv.url + "/api/v2")
    assert res.returncode == 0, res.stderr
    [snap] = (tmp_path / "snapshots" / "scb").glob("*/FolkmangdNov.json")
    assert read_population_snapshot(snap)["population"].sum() == 2_100_281  # 21 × 100 000 + 281 (made up)


@pytest.mark.parametrize("source,env", [("kolada", "GONV_KOLADA_URL"), ("scb", "GONV_SCB_URL")])
def test_offline_connection_refused_is_one_line_and_nothing_written(tmp_path: Path, source: str, env: str) -> None:
    port = _closed_port()
    res = _fetch(tmp_path, source, "N79517" if source == "kolada" else "FolkmangdNov",
                 **{env: f"http://127.0.0.1:{port}"})
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot reach 127.0.0.1:{port}: "), res.stderr
    assert not (tmp_path / "snapshots").exists()


def test_offline_dns_failure_is_one_line(tmp_path: Path) -> None:
    res = _fetch(tmp_path, "kolada", "N79517", GONV_KOLADA_URL="http://gonv-test.invalid")
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach gonv-test.invalid: "), res.stderr
    assert not (tmp_path / "snapshots").exists()


def test_a_persistent_5xx_ends_in_one_error_line(tmp_path: Path) -> None:
    with ReplayServer() as srv:
        srv.route("/api/v2/config", Answer(503, b"", {"Retry-After": "0"}))
        res = _fetch(tmp_path, "scb", "FolkmangdNov", GONV_SCB_URL=srv.url + "/api/v2")
    assert res.returncode == 1
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and res.stderr.strip().splitlines()[-1] == errors[0]
    assert "HTTP 503 Service Unavailable after 5 attempts; nothing written" in errors[0]
    assert not (tmp_path / "snapshots").exists()


def test_bad_years_argument_is_one_line(tmp_path: Path) -> None:
    res = _fetch(tmp_path, "kolada", "N79517", "--years", "2019-20x", GONV_KOLADA_URL="http://127.0.0.1:9")
    assert res.returncode == 1
    assert res.stderr.strip() == "error: --years: '2019-20x' is not a year or a range like 2019-2024"


RECORDED = ROOT.parent / "shared" / "recorded"


@pytest.mark.skipif(not RECORDED.is_dir(), reason="no folder of real recorded responses at ../shared/recorded")
def test_replay_real_recorded_kolada_pages(tmp_path: Path) -> None:
    pages = [p for p in sorted(RECORDED.glob("kolada_*.json"))
             if isinstance(json.loads(p.read_bytes()), dict) and "values" in json.loads(p.read_bytes())]
    if not pages:
        pytest.skip("../shared/recorded holds no Kolada v3 page ({values, next_url, count})")
    for page in pages:
        body = json.loads(page.read_bytes())
        kpi = body["values"][0]["kpi"] if body["values"] else "N00000"
        with ReplayServer() as srv:
            srv.route(f"/v3/data/kpi/{kpi}/municipality/" + ",".join(["0000"] + [f"00{c}" for c in (
                "01 03 04 05 06 07 08 09 10 12 13 14 17 18 19 20 21 22 23 24 25".split())]),
                Answer(200, page.read_bytes()))
            res = _fetch(tmp_path, "kolada", kpi, GONV_KOLADA_URL=srv.url)
        assert res.returncode == 0, (page.name, res.stderr)
        from helpers.opendata import newest_snapshot
        snap = newest_snapshot("kolada", kpi, root=tmp_path / "snapshots")
        df = read_kolada_snapshot(snap)
        assert df["county_code"].isin([f"{c:02d}" for c in range(1, 26)]).all()
