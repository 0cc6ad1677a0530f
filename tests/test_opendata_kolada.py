"""Kolada v3 client and reader against a local replay server (no mocks of the client)."""
from __future__ import annotations

import hashlib
import json
import math
import time
from pathlib import Path

import pytest

from helpers.opendata import fetch_kolada, newest_snapshot, read_kolada_snapshot, snapshot_info
from helpers.opendata.http import FetchError
from helpers.opendata.kolada import KoladaClient, region_ids

from opendata_server import FIXTURES, Answer, ReplayServer, fixture

PATH_503 = "/v3/data/kpi/N79503/municipality/0000,0001,0003,0004/year/2023,2024"
PATH_517 = "/v3/data/kpi/N79517/municipality/0000,0001,0003,0018/year/2024"


def _client(server: ReplayServer, **kw: float) -> KoladaClient:
    return KoladaClient.create(server.url, backoff=kw.pop("backoff", 0.01), **kw)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_region_ids_accept_codes_names_and_kolada_ids() -> None:
    assert region_ids(["01", "Region Uppsala", "0004"]) == ["0000", "0001", "0003", "0004"]
    assert len(region_ids()) == 22  # 21 regions + Riket


def test_paging_follows_next_url_and_merges_the_pages(tmp_path: Path) -> None:
    with ReplayServer() as srv:
        srv.route(PATH_503, fixture("kolada_N79503_page1.json"), fixture("kolada_N79503_page2.json"))
        with _client(srv) as c:
            [snap] = fetch_kolada(["N79503"], regions=["01", "03", "04"], years=[2023, 2024], root=tmp_path, client=c)
        seen = srv.requests_to(PATH_503)
    assert [s.query for s in seen] == ["", "page=2&per_page=4"]  # the second call is page 1's next_url
    assert snap.path == tmp_path / "kolada" / snap.path.parent.name / "N79503.json"
    assert snap.meta["body"] == "merged_pages" and len(snap.meta["pages"]) == 2
    assert [p["items"] for p in snap.meta["pages"]] == [4, 2]
    df = read_kolada_snapshot(snap.path)
    assert list(df.columns) == ["county_code", "region", "kpi", "period", "date", "value", "status", "source"]
    # external-facts §6, N79503: Stockholm 85.2 / 86.7, Uppsala 85.3 / 87.5, Sörmland 82.2 / 84.0
    got = {(r.county_code, r.period): r.value for r in df.itertuples()}
    assert got == {("01", 2023): 85.2, ("01", 2024): 86.7, ("03", 2023): 85.3, ("03", 2024): 87.5,
                   ("04", 2023): 82.2, ("04", 2024): 84.0}
    assert set(df["region"]) == {"Stockholm", "Uppsala", "Södermanland"}
    assert str(df["date"].iloc[0].date()) == "2023-12-31"
    assert df.attrs["snapshot"]["sha256"] == snap.sha256


def test_single_page_is_kept_byte_for_byte_and_a_missing_value_is_nan(tmp_path: Path) -> None:
    with ReplayServer() as srv:
        srv.route(PATH_517, fixture("kolada_N79517_2024.json"))
        with _client(srv) as c:
            [snap] = fetch_kolada(["N79517"], regions=["01", "03", "18"], years=[2024], root=tmp_path, client=c)
    raw = (FIXTURES / "kolada_N79517_2024.json").read_bytes()
    assert snap.path.read_bytes() == raw and snap.sha256 == hashlib.sha256(raw).hexdigest()
    meta = json.loads(snap.path.with_name("N79517.meta.json").read_text())
    assert meta["body"] == "as_received" and meta["licence"].startswith("CC BY 4.0")
    assert meta["urls"] == [f"{meta['base_url']}{PATH_517}"]
    assert meta["query"] == {"kpi": "N79517", "municipality": ["0000", "0001", "0003", "0018"], "year": [2024]}
    df = read_kolada_snapshot(snap.path)
    # regions only: the municipality 0180, the group G166828 and Riket are left out
    assert list(df["county_code"]) == ["01", "03", "18"]
    orebro = df.set_index("county_code").loc["18"]
    assert math.isnan(orebro["value"]) and orebro["status"] == "Missing" and orebro["region"] == "Örebro"
    assert list(df["value"].iloc[:2]) == [78.8, 74.5]  # external-facts §6, N79517 2024
    national = read_kolada_snapshot(snap.path, include_national=True)
    assert national.iloc[0][["county_code", "region", "value"]].tolist() == ["00", "Riket", 78.1]


def test_rate_limit_429_waits_for_retry_after_then_succeeds(tmp_path: Path) -> None:
    with ReplayServer() as srv:
        srv.route(PATH_517, Answer(429, b"", {"Retry-After": "1"}), fixture("kolada_N79517_2024.json"))
        with _client(srv) as c:
            [snap] = fetch_kolada(["N79517"], regions=["01", "03", "18"], years=[2024], root=tmp_path, client=c)
        first, second = srv.requests_to(PATH_517)
    assert second.at - first.at >= 0.95  # Retry-After: 1 second
    assert snapshot_info(snap.path).sha256 == snap.sha256


def test_429_that_asks_too_long_a_wait_is_one_clear_error(tmp_path: Path) -> None:
    with ReplayServer() as srv:
        srv.route(PATH_517, Answer(429, b"", {"Retry-After": "3600"}))
        with _client(srv) as c, pytest.raises(FetchError) as err:
            fetch_kolada(["N79517"], regions=["01", "03", "18"], years=[2024], root=tmp_path, client=c)
    assert "asks to wait 3600 s (Retry-After)" in str(err.value) and "\n" not in str(err.value)
    assert _files(tmp_path) == []


def test_a_5xx_is_retried_and_then_one_clear_error_with_nothing_written(tmp_path: Path) -> None:
    with ReplayServer() as srv:
        srv.route(PATH_517, Answer(503, b"busy"))
        with _client(srv, max_retries=2) as c, pytest.raises(FetchError) as err:
            fetch_kolada(["N79517"], regions=["01", "03", "18"], years=[2024], root=tmp_path, client=c)
        assert len(srv.requests_to(PATH_517)) == 3  # one try + two retries
    msg = str(err.value)
    assert msg.endswith("HTTP 503 Service Unavailable after 3 attempts; nothing written") and "\n" not in msg
    assert _files(tmp_path) == []


def test_one_5xx_then_success_gives_the_snapshot(tmp_path: Path) -> None:
    with ReplayServer() as srv:
        srv.route(PATH_517, Answer(502, b""), fixture("kolada_N79517_2024.json"))
        with _client(srv) as c:
            [snap] = fetch_kolada(["N79517"], regions=["01", "03", "18"], years=[2024], root=tmp_path, client=c)
    assert snap.path.read_bytes() == (FIXTURES / "kolada_N79517_2024.json").read_bytes()


def test_a_malformed_second_page_leaves_no_snapshot(tmp_path: Path) -> None:
    page2 = (FIXTURES / "kolada_N79503_page2.json").read_bytes()[:-40]  # cut short mid-body
    with ReplayServer() as srv:
        srv.route(PATH_503, fixture("kolada_N79503_page1.json"), Answer(200, page2))
        with _client(srv) as c, pytest.raises(FetchError) as err:
            fetch_kolada(["N79503"], regions=["01", "03", "04"], years=[2023, 2024], root=tmp_path, client=c)
    assert "the response is not valid JSON (line" in str(err.value)
    assert "page=2" in str(err.value)
    assert _files(tmp_path) == [] and newest_snapshot("kolada", "N79503", root=tmp_path) is None


def test_a_page_without_values_is_one_clear_error(tmp_path: Path) -> None:
    with ReplayServer() as srv:
        srv.route(PATH_517, Answer(200, b'{"count": 0}'))
        with _client(srv) as c, pytest.raises(FetchError, match="not a Kolada v3 data page"):
            fetch_kolada(["N79517"], regions=["01", "03", "18"], years=[2024], root=tmp_path, client=c)
    assert _files(tmp_path) == []


def test_next_url_to_another_host_is_refused(tmp_path: Path) -> None:
    body = json.dumps({"values": [], "next_url": "https://elsewhere.example/v3/x?page=2", "count": 0}).encode()
    with ReplayServer() as srv:
        srv.route(PATH_517, Answer(200, body))
        with _client(srv) as c, pytest.raises(FetchError, match="next_url points to another host"):
            fetch_kolada(["N79517"], regions=["01", "03", "18"], years=[2024], root=tmp_path, client=c)


def test_at_most_25_ids_per_call_and_at_most_5_calls_per_second(tmp_path: Path) -> None:
    ids = [f"{n:04d}" for n in range(101, 131)]  # 30 ids (municipality-like); with Riket 31 → 25 + 6
    empty = Answer(200, b'{"values": [], "next_url": null, "previous_url": null, "count": 0}')
    first = "/v3/data/kpi/N79517/municipality/" + ",".join(["0000", *ids[:24]]) + "/year/2024"
    second = "/v3/data/kpi/N79517/municipality/" + ",".join(ids[24:]) + "/year/2024"
    with ReplayServer() as srv:
        srv.route(first, empty)
        srv.route(second, empty)
        with _client(srv) as c:
            fetch_kolada(["N79517"], regions=ids, years=[2024], root=tmp_path, client=c)
        assert [len(s.path.split("/")[6].split(",")) for s in srv.seen] == [25, 6]
        gap = srv.seen[1].at - srv.seen[0].at
    assert gap >= 0.19  # 5 requests per second: 0.2 s apart (timer slack 0.01)


def test_a_second_fetch_the_same_day_gets_a_new_name(tmp_path: Path) -> None:
    with ReplayServer() as srv:
        srv.route(PATH_517, fixture("kolada_N79517_2024.json"))
        with _client(srv) as c:
            [a] = fetch_kolada(["N79517"], regions=["01", "03", "18"], years=[2024], root=tmp_path, client=c)
            time.sleep(0.01)
            [b] = fetch_kolada(["N79517"], regions=["01", "03", "18"], years=[2024], root=tmp_path, client=c)
    assert a.path.name == "N79517.json" and b.path.name == "N79517.2.json"
    assert a.path.read_bytes() == b.path.read_bytes()
    assert newest_snapshot("kolada", "N79517", root=tmp_path) == b.path
    index = (tmp_path / "index.csv").read_text().splitlines()
    assert len(index) == 3 and index[2].split(",")[3].endswith("N79517.2.json")


def test_reader_dates_by_the_day_given_and_names_its_snapshot(tmp_path: Path) -> None:
    from helpers.opendata.snapshots import write_snapshot

    body = (FIXTURES / "kolada_N79517_2024.json").read_bytes()
    snap = write_snapshot("kolada", "N79517", body, {}, root=tmp_path)
    df = read_kolada_snapshot(snap.path, date_month_day="10-15")  # e.g. a survey's publication day
    assert set(df["date"].dt.strftime("%Y-%m-%d")) == {"2024-10-15"}
    assert df["source"].iloc[0].startswith(f"Kolada (RKA), snapshot {snap.path}, retrieved ")
    snap.path.write_bytes(body.replace(b"78.8", b"79.9"))  # edited after the fetch
    with pytest.raises(Exception, match="differs from its sidecar"):
        read_kolada_snapshot(snap.path)
