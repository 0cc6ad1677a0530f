"""SCB PxWeb API v2: fetch population tables into snapshots (json-stat2), read them per county.

The client reads its limits from `{base}/config` (maxCallsPerTimeWindow per timeWindow seconds,
maxDataCells), asks `{base}/tables/{table}/metadata` which codes exist, selects the 21 counties and
the requested years, and POSTs the selection to `{base}/tables/{table}/data` in json-stat2. A
selection larger than maxDataCells is split; the parts are kept together as a json-stat2 collection.
"""
from __future__ import annotations

import csv
import json
import logging
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

from ..errors import DataError
from ..paths import relative
from ..record.record import load_registry
from .http import FetchError, HttpClient, RateLimiter, Response
from .snapshots import Snapshot, check_name, load_snapshot_json, write_snapshot

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://statistikdatabasen.scb.se/api/v2"
BASE_URL_ENV = "GONV_SCB_URL"
POPULATION_COLUMNS = ["county_code", "region", "date", "population"]
_TIME_DIMS = ("Tid", "tid", "Time")
_REGION_DIMS = ("Region", "region")
_TOTAL_CODES = {"tot", "totsa", "totalt", "total", "samtliga"}
_MONTHS_SV = {m: i for i, m in enumerate(["januari", "februari", "mars", "april", "maj", "juni", "juli",
                                           "augusti", "september", "oktober", "november", "december"], 1)}


def base_url(explicit: str | None = None) -> str:
    """Return the PxWeb v2 base URL: the argument, else $GONV_SCB_URL, else SCB's service."""
    return (explicit or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")


@dataclass
class ScbClient:
    """A thin PxWeb v2 client (httpx) that keeps the json-stat2 bodies for the snapshot."""

    base: str
    http: HttpClient
    config: dict[str, Any]
    config_url: str

    @classmethod
    def create(cls, base: str | None = None, *, max_retries: int = 4, backoff: float = 1.0,
               timeout: float = 60.0) -> "ScbClient":
        """Return a client whose rate limit and cell limit come from the service's /config."""
        root = base_url(base)
        # one call before the limits are known; SCB allows several per second
        http = HttpClient(limiter=RateLimiter(1, 1.0), max_retries=max_retries, backoff=backoff, timeout=timeout)
        try:
            resp = http.get(f"{root}/config")
            config = resp.json()
            for key in ("maxDataCells", "maxCallsPerTimeWindow", "timeWindow"):
                if not isinstance(config, dict) or not isinstance(config.get(key), (int, float)):
                    raise FetchError(f"{resp.url}: the PxWeb configuration has no number '{key}'", url=resp.url)
            version = str(config.get("apiVersion", "0"))
            if not version.split(".")[0].isdigit() or int(version.split(".")[0]) < 2:
                raise FetchError(f"{resp.url}: apiVersion {version!r} is not PxWeb API v2", url=resp.url)
        except BaseException:
            http.close()
            raise
        # The call to /config counts against the window too; the limiter starts afresh, so leave one spare.
        http.limiter = RateLimiter(max(int(config["maxCallsPerTimeWindow"]) - 1, 1)
                                   if config["maxCallsPerTimeWindow"] > 0 else 0, float(config["timeWindow"]))
        return cls(base=root, http=http, config=config, config_url=resp.url)

    @property
    def licence(self) -> str:
        """Return the licence the service states in /config."""
        return str(self.config.get("license", "CC0 (SCB)"))

    def metadata(self, table: str) -> tuple[dict[str, Any], str]:
        """Return a table's json-stat2 metadata and its URL."""
        resp = self.http.get(f"{self.base}/tables/{table}/metadata", params={"lang": "sv"})
        meta = resp.json()
        if not isinstance(meta, dict) or not isinstance(meta.get("dimension"), dict) or not isinstance(meta.get("id"), list):
            raise FetchError(f"{resp.url}: not json-stat2 table metadata (no 'id' and 'dimension')", url=resp.url)
        return meta, resp.url

    def data(self, table: str, selection: dict[str, list[str]]) -> tuple[dict[str, Any], Response]:
        """POST a selection and return the json-stat2 dataset and the response."""
        payload = {"selection": [{"variableCode": k, "valueCodes": v} for k, v in selection.items()]}
        resp = self.http.post(f"{self.base}/tables/{table}/data", payload,
                              params={"lang": "sv", "outputFormat": "json-stat2"})
        body = resp.json()
        problem = dataset_problem(body)
        if problem:
            raise FetchError(f"{resp.url}: {problem}", url=resp.url)
        return body, resp

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def __enter__(self) -> "ScbClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def dataset_problem(body: Any) -> str | None:
    """Return what makes a body an unusable json-stat2 dataset, or None when it is fine."""
    if not isinstance(body, dict) or body.get("class") != "dataset":
        return "not a json-stat2 dataset (class is not 'dataset')"
    ids, size, dims = body.get("id"), body.get("size"), body.get("dimension")
    if not (isinstance(ids, list) and isinstance(size, list) and isinstance(dims, dict) and len(ids) == len(size)):
        return "json-stat2 'id', 'size' and 'dimension' do not match"
    for d, n in zip(ids, size):
        cat = dims.get(d, {}).get("category", {}) if isinstance(dims.get(d), dict) else {}
        if len(_codes(cat)) != n:
            return f"dimension '{d}' has {len(_codes(cat))} categories, size says {n}"
    values = body.get("value")
    cells = math.prod(size)
    if isinstance(values, list):
        if len(values) != cells:
            return f"'value' has {len(values)} cells, the dimensions make {cells}"
        bad = [v for v in values if v is not None and not isinstance(v, (int, float))]
        if bad:
            return f"'value' holds a non-number: {bad[0]!r}"
    elif not isinstance(values, dict):
        return "no 'value' array"
    return None


def _codes(category: dict[str, Any]) -> list[str]:
    """Return a category's codes in json-stat order."""
    index = category.get("index")
    if isinstance(index, list):
        return [str(c) for c in index]
    if isinstance(index, dict):
        return [str(c) for c, _ in sorted(index.items(), key=lambda kv: kv[1])]
    label = category.get("label")
    return [str(c) for c in label] if isinstance(label, dict) else []


def _dim(meta: dict[str, Any], names: Sequence[str], role: str) -> str | None:
    for d in meta.get("role", {}).get(role, []) or []:
        return str(d)
    return next((n for n in names if n in meta.get("dimension", {})), None)


def county_codes(regions: Iterable[str]) -> list[str]:
    """Return SCB county codes for county codes, Kolada region ids ("0001") or region names."""
    reg = load_registry()
    out = []
    for r in regions:
        r = str(r).strip()
        if r.isdigit() and len(r) == 4 and r.startswith("00"):
            r = r[2:]
        code = r if r.isdigit() and len(r) == 2 else reg.code(r, file="--regions")
        if code not in reg.codes:
            raise DataError("--regions", f"'{r}' is not an SCB county code")
        out.append(code)
    return list(dict.fromkeys(out))


def build_selection(meta: dict[str, Any], *, years: Sequence[int] | None = None,
                    regions: Iterable[str] | None = None, where: str = "metadata") -> dict[str, list[str]]:
    """Return value codes per variable: the counties, the years asked, every content, totals elsewhere."""
    dims = meta["dimension"]
    region_dim = _dim(meta, _REGION_DIMS, "geo")
    time_dim = _dim(meta, _TIME_DIMS, "time")
    if region_dim is None or time_dim is None:
        raise FetchError(f"{where}: the table has no Region or Tid variable ({', '.join(meta['id'])})")
    counties = county_codes(regions) if regions else load_registry().codes
    avail = _codes(dims[region_dim].get("category", {}))
    missing = [c for c in counties if c not in avail]
    if missing:
        raise FetchError(f"{where}: the table has no region code {', '.join(missing)}")
    times = _codes(dims[time_dim].get("category", {}))
    if years:
        wanted = {str(int(y)) for y in years}
        times = [t for t in times if t[:4] in wanted]
        if not times:
            raise FetchError(f"{where}: the table has no period in {', '.join(sorted(wanted))}")
    selection: dict[str, list[str]] = {region_dim: counties, time_dim: times}
    for d in meta["id"]:
        if d in selection:
            continue
        ext = dims[d].get("extension", {}) or {}
        if ext.get("elimination"):
            continue  # left out: the service returns the eliminated total
        # every code, listed (not "*"), so that the cell count against maxDataCells is exact
        selection[d] = _codes(dims[d].get("category", {}))
    return selection


def _split(selection: dict[str, list[str]], sizes: dict[str, int], max_cells: int,
           first: str | None = None) -> list[dict[str, list[str]]]:
    """Split a selection so that each part has at most max_cells cells (`first`, then the largest variable).

    Splitting by period first keeps every part a complete cross-section of the counties.
    """
    cells = math.prod(sizes[k] for k in selection)
    if cells <= max_cells:
        return [selection]
    splittable = [k for k in selection if len(selection[k]) > 1]
    if not splittable:
        return [selection]
    big = first if first in splittable else max(splittable, key=lambda k: len(selection[k]))
    others = cells // len(selection[big])
    chunk = max(max_cells // others, 1)
    parts = []
    for i in range(0, len(selection[big]), chunk):
        part = {**selection, big: selection[big][i:i + chunk]}
        parts.extend(_split(part, {**sizes, big: len(part[big])}, max_cells, first))
    return parts


def fetch_scb(tables: Sequence[str], *, years: Sequence[int] | None = None,
              regions: Iterable[str] | None = None, base: str | None = None,
              root: Path | None = None, client: ScbClient | None = None) -> list[Snapshot]:
    """Fetch each table for the counties and years, then write one snapshot per table (all or nothing)."""
    for t in tables:
        check_name(t, "table id")
    region_list = list(regions) if regions else None
    own = client is None
    client = client or ScbClient.create(base)
    fetched = []
    try:
        max_cells = int(client.config["maxDataCells"])
        for table in tables:
            meta, meta_url = client.metadata(table)
            selection = build_selection(meta, years=years, regions=region_list, where=meta_url)
            sizes = {k: len(v) for k, v in selection.items()}
            parts = _split(selection, sizes, max_cells, _dim(meta, _TIME_DIMS, "time"))
            answers = [client.data(table, part) for part in parts]
            fetched.append((table, meta_url, parts, answers))
    finally:
        if own:
            client.close()
    snaps = []
    for table, meta_url, parts, answers in fetched:
        if len(answers) == 1:
            body, kind = answers[0][1].body, "as_received"
        else:
            collection = {"version": "2.0", "class": "collection", "label": f"{table}, {len(answers)} parts",
                          "link": {"item": [a[0] for a in answers]}}
            body, kind = (json.dumps(collection, ensure_ascii=False) + "\n").encode("utf-8"), "merged_pages"
        meta = {"service": "SCB PxWeb API v2", "base_url": client.base, "licence": client.licence,
                "table": table, "query": {"selection": parts if len(parts) > 1 else parts[0], "lang": "sv",
                                          "outputFormat": "json-stat2"},
                "urls": [client.config_url, meta_url, *[a[1].url for a in answers]],
                "pages": [{"url": a[1].url, "sha256": a[1].sha256, "cells": len(a[0].get("value", []))}
                          for a in answers],
                "limits": {k: client.config[k] for k in ("maxDataCells", "maxCallsPerTimeWindow", "timeWindow")},
                "body": kind, "client": f"helpers.opendata.scb (httpx {httpx.__version__})"}
        snaps.append(write_snapshot("scb", table, body, meta, root=root))
    return snaps


@lru_cache(maxsize=1)
def _reference_days() -> dict[str, str]:
    with open(Path(__file__).with_name("scb_tables.csv"), newline="", encoding="utf-8") as fh:
        return {r["table"]: r["reference_day"] for r in csv.DictReader(fh)}


def _reference_day(names: Iterable[str], dataset: dict[str, Any], content_dim: str | None) -> str | None:
    """Return 'MM-DD' or 'month-end' for a table: from scb_tables.csv, else the table's refperiod text."""
    days = _reference_days()
    for n in names:
        if n and n in days:
            return days[n]
    if content_dim:
        ref = (dataset["dimension"][content_dim].get("extension", {}) or {}).get("refperiod", {}) or {}
        for text in ref.values():
            m = re.search(r"(\d{1,2})\s+(" + "|".join(_MONTHS_SV) + r")", str(text).casefold())
            if m:
                return f"{_MONTHS_SV[m[2]]:02d}-{int(m[1]):02d}"
    return None


def _dates(codes: pd.Series, reference: str | None, where: str) -> pd.Series:
    """Turn PxWeb time codes ('2018', '2018M10') into the dates the counts refer to."""
    monthly = codes.str.fullmatch(r"\d{4}M\d{2}")
    yearly = codes.str.fullmatch(r"\d{4}")
    out = pd.Series(pd.NaT, index=codes.index, dtype="datetime64[ns]")
    if monthly.any():  # SCB: "förhållandet den sista dagen i respektive månad"
        start = pd.to_datetime(codes[monthly].str.replace("M", "-") + "-01")
        out[monthly] = start + pd.offsets.MonthEnd(0)
    if yearly.any():
        if reference is None or reference == "month-end":
            raise DataError(where, f"the reference day of yearly period {codes[yearly].iloc[0]} is unknown; "
                            "add the table to helpers/opendata/scb_tables.csv or pass reference_day='MM-DD'")
        out[yearly] = pd.to_datetime(codes[yearly] + "-" + reference)
    other = ~(monthly | yearly)
    if other.any():
        raise DataError(where, f"period code '{codes[other].iloc[0]}' is neither a year nor a month (YYYYMmm)")
    return out


def dataset_frame(ds: dict[str, Any]) -> pd.DataFrame:
    """Return a json-stat2 dataset as a long frame: one column per dimension code, plus 'value'."""
    ids, size = ds["id"], ds["size"]
    codes = [_codes(ds["dimension"][d].get("category", {})) for d in ids]
    n = math.prod(size)
    values = ds["value"]
    if isinstance(values, dict):  # sparse json-stat: {"position": value}
        dense = [None] * n
        for k, v in values.items():
            dense[int(k)] = v
        values = dense
    pos = np.unravel_index(np.arange(n), size) if n else [np.array([], dtype=int)] * len(ids)
    frame = pd.DataFrame({d: np.asarray(c, dtype=object)[p] for d, c, p in zip(ids, codes, pos)})
    frame["value"] = pd.array(values, dtype="Float64") if n else pd.array([], dtype="Float64")
    return frame


def _total_code(dim: dict[str, Any]) -> str | None:
    ext = dim.get("extension", {}) or {}
    if ext.get("eliminationValueCode"):
        return str(ext["eliminationValueCode"])
    return next((c for c in _codes(dim.get("category", {})) if c.casefold() in _TOTAL_CODES), None)


def read_population_snapshot(path: Path, *, reference_day: str | None = None,
                             require_all_counties: bool = True) -> pd.DataFrame:
    """Return an SCB population snapshot per county and date (POPULATION_COLUMNS).

    Other variables (age, sex, …) are taken at their total where the table has one, else summed
    (e.g. the age groups of TAB6471). Yearly periods are dated by scb_tables.csv or the table's
    refperiod (FolkmangdNov → 1 November); monthly ones at the month's last day. The frame's
    `attrs["snapshot"]` holds the snapshot path and sha256.
    """
    body, snap = load_snapshot_json(Path(path))
    where = relative(snap.path)
    if isinstance(body, dict) and body.get("class") == "collection":
        datasets = (body.get("link") or {}).get("item") or []
    else:
        datasets = [body]
    if not datasets:
        raise DataError(where, "the json-stat2 collection holds no dataset")
    reg = load_registry()
    frames = []
    for k, ds in enumerate(datasets):
        label = where if len(datasets) == 1 else f"{where} (part {k + 1})"
        problem = dataset_problem(ds)
        if problem:
            raise DataError(label, problem)
        region_dim = _dim(ds, _REGION_DIMS, "geo")
        time_dim = _dim(ds, _TIME_DIMS, "time")
        content_dim = _dim(ds, ("ContentsCode",), "metric")
        if region_dim is None or time_dim is None:
            raise DataError(label, f"no Region or Tid dimension ({', '.join(ds['id'])})")
        df = dataset_frame(ds)
        for d in ds["id"]:
            if d in (region_dim, time_dim):
                continue
            cats = _codes(ds["dimension"][d].get("category", {}))
            total = _total_code(ds["dimension"][d])
            if len(cats) == 1:
                continue
            if d == content_dim:
                labels = ds["dimension"][d].get("category", {}).get("label", {}) or {}
                pop = [c for c in cats if str(labels.get(c, "")).casefold().startswith("folkmängd")]
                if len(pop) != 1:
                    raise DataError(label, f"{len(cats)} contents ({', '.join(cats)}) and not one "
                                    "labelled 'Folkmängd…'")
                df = df[df[d] == pop[0]]
            elif total is not None:
                df = df[df[d] == total]
            else:
                log.info("%s: summing the %d categories of '%s' (the table prints no total)", label, len(cats), d)
        missing = df["value"].isna()
        if missing.any():
            r = df[missing].iloc[0]
            raise DataError(label, f"no population for region {r[region_dim]}, period {r[time_dim]}")
        df = df[df[region_dim].isin(reg.codes)]
        grouped = df.groupby([region_dim, time_dim], sort=False)["value"].sum().reset_index()
        names = [snap.meta.get("table", ""), snap.meta.get("name", ""),
                 str(((ds.get("extension") or {}).get("px") or {}).get("tableid", "")),
                 str(((ds.get("extension") or {}).get("px") or {}).get("matrix", ""))]
        ref = reference_day or _reference_day(names, ds, content_dim)
        frames.append(pd.DataFrame({
            "county_code": grouped[region_dim].astype(str).to_numpy(),
            "date": _dates(grouped[time_dim].astype(str), ref, label).to_numpy(),
            "population": grouped["value"].astype("int64").to_numpy(),
        }))
    out = pd.concat(frames, ignore_index=True)
    if out.duplicated(["county_code", "date"]).any():
        raise DataError(where, "a county has two populations for the same date")
    if out.empty:
        raise DataError(where, "the snapshot holds no county (codes 01–25)")
    if require_all_counties:
        for date, grp in out.groupby("date"):
            lacking = sorted(set(reg.codes) - set(grp["county_code"]))
            if lacking:
                raise DataError(where, f"{pd.Timestamp(date).date()}: no population for county "
                                f"{', '.join(lacking)}")
    names_by_code = dict(zip(reg.regions["county_code"], reg.regions["region"]))
    out["region"] = out["county_code"].map(names_by_code)
    out = out.sort_values(["date", "county_code"], ignore_index=True)[POPULATION_COLUMNS]
    out.attrs["snapshot"] = {"path": where, "sha256": snap.sha256}
    return out
