"""SCB PxWeb v2 client and population reader against a local replay server (no mocks of the client)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.errors import DataError
from helpers.opendata import fetch_scb, newest_snapshot, read_population_snapshot
from helpers.opendata.http import FetchError
from helpers.opendata.scb import ScbClient
from helpers.opendata.snapshots import write_snapshot

from opendata_server import FIXTURES, Answer, ReplayServer, fixture

COUNTIES = ["01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14", "17", "18", "19", "20",
            "21", "22", "23", "24", "25"]
# sum of the 21 county codes as numbers: 1+3+4+5+6+7+8+9+10+12+13+14+17+18+19+20+21+22+23+24+25 = 281
CODE_SUM = 281


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _config(**changes: object) -> Answer:
    cfg = json.loads((FIXTURES / "scb_config.json").read_text())
    cfg.update(changes)
    return Answer(200, json.dumps(cfg).encode(), {"Content-Type": "application/json"})


def _serve_folkmangd(srv: ReplayServer, *data: Answer, config: Answer | None = None) -> None:
    srv.route("/api/v2/config", config or fixture("scb_config.json"))
    srv.route("/api/v2/tables/FolkmangdNov/metadata", fixture("scb_FolkmangdNov_metadata.json"))
    srv.route("/api/v2/tables/FolkmangdNov/data", *(data or (fixture("scb_FolkmangdNov_data_2018.json"),)))


def test_folkmangd_1_november_per_county(tmp_path: Path) -> None:
    with ReplayServer() as srv:
        _serve_folkmangd(srv)
        with ScbClient.create(srv.url + "/api/v2", backoff=0.01) as c:
            [snap] = fetch_scb(["FolkmangdNov"], years=[2018], root=tmp_path, client=c)
        [post] = srv.requests_to("/api/v2/tables/FolkmangdNov/data")
    assert post.method == "POST" and "outputFormat=json-stat2" in post.query
    # the 21 counties only (not Riket "00", not the municipality "0114"), the year asked, the one content
    assert post.body == {"selection": [{"variableCode": "Region", "valueCodes": COUNTIES},
                                       {"variableCode": "Tid", "valueCodes": ["2018"]},
                                       {"variableCode": "ContentsCode", "valueCodes": ["BE0101U1"]}]}
    assert snap.path.read_bytes() == (FIXTURES / "scb_FolkmangdNov_data_2018.json").read_bytes()
    assert snap.meta["licence"] == "https://creativecommons.org/publicdomain/zero/1.0/"  # as /config states it
    assert snap.meta["limits"] == {"maxDataCells": 150000, "maxCallsPerTimeWindow": 3, "timeWindow": 1}
    assert newest_snapshot("scb", "FolkmangdNov", root=tmp_path) == snap.path
    df = read_population_snapshot(snap.path)
    assert list(df.columns) == ["county_code", "region", "date", "population"]
    assert list(df["county_code"]) == COUNTIES and str(df["population"].dtype) == "int64"
    assert set(df["date"].dt.strftime("%Y-%m-%d")) == {"2018-11-01"}  # FolkmangdNov: 1 November
    assert df.iloc[0].tolist()[:2] == ["01", "Stockholm"] and df.iloc[0]["population"] == 100_001  # made up
    assert df.iloc[-1]["region"] == "Norrbotten" and df.iloc[-1]["population"] == 100_025
    assert df["population"].sum() == 21 * 100_000 + CODE_SUM
    assert df.attrs["snapshot"] == {"path": str(snap.path), "sha256": snap.sha256}


def test_selection_over_max_data_cells_is_split_and_kept_as_a_collection(tmp_path: Path) -> None:
    with ReplayServer() as srv:
        # 21 counties x 2 years = 42 cells > 30: one request per year
        _serve_folkmangd(srv, fixture("scb_FolkmangdNov_data_2017.json"), fixture("scb_FolkmangdNov_data_2018.json"),
                         config=_config(maxDataCells=30, maxCallsPerTimeWindow=2, timeWindow=1))
        with ScbClient.create(srv.url + "/api/v2", backoff=0.01) as c:
            [snap] = fetch_scb(["FolkmangdNov"], years=[2017, 2018], root=tmp_path, client=c)
        posts = srv.requests_to("/api/v2/tables/FolkmangdNov/data")
        meta_get = srv.requests_to("/api/v2/tables/FolkmangdNov/metadata")[0]
    assert [p.body["selection"][1]["valueCodes"] for p in posts] == [["2017"], ["2018"]]
    # at most 2 calls per 1 s window (after /config): metadata, data, data -> the third waits
    assert posts[1].at - meta_get.at >= 0.95
    assert snap.meta["body"] == "merged_pages" and len(snap.meta["pages"]) == 2
    df = read_population_snapshot(snap.path)
    by_year = df.groupby(df["date"].dt.year)["population"].sum().to_dict()
    assert by_year == {2017: 21 * 90_000 + CODE_SUM, 2018: 21 * 100_000 + CODE_SUM}


def test_monthly_table_sums_age_groups_and_dates_at_month_end(tmp_path: Path) -> None:
    with ReplayServer() as srv:
        srv.route("/api/v2/config", fixture("scb_config.json"))
        srv.route("/api/v2/tables/TAB6471/metadata", fixture("scb_TAB6471_metadata.json"))
        srv.route("/api/v2/tables/TAB6471/data", fixture("scb_TAB6471_data.json"))
        with ScbClient.create(srv.url + "/api/v2", backoff=0.01) as c:
            [snap] = fetch_scb(["TAB6471"], years=[2018], root=tmp_path, client=c)
        [post] = srv.requests_to("/api/v2/tables/TAB6471/data")
    sel = {s["variableCode"]: s["valueCodes"] for s in post.body["selection"]}
    assert "Kon" not in sel  # eliminable: left out so the service returns the total
    assert sel["Alder"] == ["0-49", "50+"] and sel["Tid"] == ["2018M10", "2018M11"]
    df = read_population_snapshot(snap.path)
    assert set(df["date"].dt.strftime("%Y-%m-%d")) == {"2018-10-31", "2018-11-30"}
    got = df.set_index(["county_code", df["date"].dt.month])["population"]
    # made-up cells: (60 000 + code) + (40 000 + code) in October, each +10 in November
    assert got[("01", 10)] == 100_002 and got[("01", 11)] == 100_022
    assert got[("25", 10)] == 100_050 and got[("25", 11)] == 100_070


def test_a_table_total_is_taken_not_the_sum_of_noisy_parts(tmp_path: Path) -> None:
    ds = json.loads((FIXTURES / "scb_TAB6471_data.json").read_text())
    # keep one county and one month; add sex with a total that is not the sum of its parts
    ds["id"] = ["Region", "Kon", "ContentsCode", "Tid"]
    ds["size"] = [1, 3, 1, 1]
    ds["dimension"]["Region"]["category"] = {"index": {"09": 0}, "label": {"09": "Gotlands län"}}
    ds["dimension"]["Tid"]["category"] = {"index": {"2025M01": 0}, "label": {"2025M01": "2025M01"}}
    ds["dimension"]["Kon"] = {"label": "kön", "category": {"index": {"TotSa": 0, "1": 1, "2": 2}},
                              "extension": {"elimination": True, "eliminationValueCode": "TotSa"}}
    del ds["dimension"]["Alder"]
    ds["value"] = [60_003, 30_000, 30_001]  # made up: total 60 003, parts add up to 60 001
    snap = write_snapshot("scb", "TAB6471", json.dumps(ds).encode(), {"table": "TAB6471"}, root=tmp_path)
    df = read_population_snapshot(snap.path, require_all_counties=False)
    assert df[["county_code", "region", "population"]].values.tolist() == [["09", "Gotland", 60_003]]


def test_a_null_population_cell_is_an_error_naming_region_and_period(tmp_path: Path) -> None:
    ds = json.loads((FIXTURES / "scb_FolkmangdNov_data_2018.json").read_text())
    ds["value"][7] = None  # the eighth county in the table's order: 09 Gotland
    snap = write_snapshot("scb", "FolkmangdNov", json.dumps(ds).encode(), {"table": "FolkmangdNov"}, root=tmp_path)
    with pytest.raises(DataError, match="no population for region 09, period 2018"):
        read_population_snapshot(snap.path)


def test_a_county_missing_from_the_table_is_an_error(tmp_path: Path) -> None:
    ds = json.loads((FIXTURES / "scb_FolkmangdNov_data_2018.json").read_text())
    region = ds["dimension"]["Region"]["category"]
    region["index"] = {c: i for i, c in enumerate(COUNTIES[:-1])}
    ds["size"][0] = 20
    ds["value"] = ds["value"][:-1]
    snap = write_snapshot("scb", "FolkmangdNov", json.dumps(ds).encode(), {"table": "FolkmangdNov"}, root=tmp_path)
    with pytest.raises(DataError, match="2018-11-01: no population for county 25"):
        read_population_snapshot(snap.path)


def test_a_malformed_data_body_is_one_clear_error_and_nothing_is_written(tmp_path: Path) -> None:
    ds = json.loads((FIXTURES / "scb_FolkmangdNov_data_2018.json").read_text())
    ds["value"] = ds["value"][:20]
    with ReplayServer() as srv:
        _serve_folkmangd(srv, Answer(200, json.dumps(ds).encode()))
        with ScbClient.create(srv.url + "/api/v2", backoff=0.01) as c, pytest.raises(FetchError) as err:
            fetch_scb(["FolkmangdNov"], years=[2018], root=tmp_path, client=c)
    assert "'value' has 20 cells, the dimensions make 21" in str(err.value)
    assert _files(tmp_path) == []


def test_a_5xx_on_the_data_call_is_retried(tmp_path: Path) -> None:
    with ReplayServer() as srv:
        _serve_folkmangd(srv, Answer(500, b"{}"), fixture("scb_FolkmangdNov_data_2018.json"))
        with ScbClient.create(srv.url + "/api/v2", backoff=0.01) as c:
            [snap] = fetch_scb(["FolkmangdNov"], years=[2018], root=tmp_path, client=c)
        assert len(srv.requests_to("/api/v2/tables/FolkmangdNov/data")) == 2
    assert len(read_population_snapshot(snap.path)) == 21


def test_a_config_without_limits_is_one_clear_error() -> None:
    with ReplayServer() as srv:
        srv.route("/api/v2/config", Answer(200, b'{"apiVersion": "2.2.0", "maxDataCells": 150000}'))
        with pytest.raises(FetchError, match="has no number 'maxCallsPerTimeWindow'"):
            ScbClient.create(srv.url + "/api/v2", backoff=0.01)


def test_a_year_the_table_lacks_is_one_clear_error(tmp_path: Path) -> None:
    with ReplayServer() as srv:
        _serve_folkmangd(srv)
        with ScbClient.create(srv.url + "/api/v2", backoff=0.01) as c, \
                pytest.raises(FetchError, match="the table has no period in 2030"):
            fetch_scb(["FolkmangdNov"], years=[2030], root=tmp_path, client=c)
    assert _files(tmp_path) == []


def test_regions_by_name_or_kolada_id_select_county_codes() -> None:
    from helpers.opendata.scb import county_codes

    assert county_codes(["Region Skåne", "0001", "25", "Stockholm"]) == ["12", "01", "25"]
    with pytest.raises(DataError, match="'26' is not an SCB county code"):
        county_codes(["26"])
