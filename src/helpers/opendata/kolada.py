"""Kolada (RKA) v3: fetch KPI values per region into snapshots, and read them as tidy series.

Endpoint: `GET {base}/v3/data/kpi/{kpi}/municipality/{ids}/year/{years}`; pages are followed by
their `next_url`; at most 25 ids per call; at most 5 requests per second; 429 honours Retry-After.
"""
from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pandas as pd

from ..errors import DataError
from ..paths import relative
from ..record.record import load_registry
from .http import FetchError, HttpClient, RateLimiter
from .snapshots import Snapshot, check_name, load_snapshot_json, write_snapshot

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.kolada.se"
BASE_URL_ENV = "GONV_KOLADA_URL"
LICENCE = "CC BY 4.0 (Kolada, RKA)"
MAX_IDS_PER_CALL = 25
REQUESTS_PER_SECOND = 5
MAX_PAGES = 1000
NATIONAL_ID = "0000"

SERIES_COLUMNS = ["county_code", "region", "kpi", "period", "date", "value", "status", "source"]


def base_url(explicit: str | None = None) -> str:
    """Return the Kolada base URL: the argument, else $GONV_KOLADA_URL, else the public service."""
    return (explicit or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")


def region_ids(regions: Iterable[str] | None = None, *, national: bool = True) -> list[str]:
    """Return Kolada 4-digit region ids for county codes, Kolada ids or region names (default: all 21)."""
    reg = load_registry()
    if not regions:
        ids = ["00" + c for c in reg.codes]
    else:
        ids = []
        for r in regions:
            r = str(r).strip()
            if r.isdigit() and len(r) == 4:
                ids.append(r)
            elif r.isdigit() and len(r) == 2:
                if r != "00" and r not in reg.codes:
                    raise DataError("--regions", f"'{r}' is not an SCB county code")
                ids.append("00" + r)
            elif r.casefold() in ("riket", "sweden"):
                ids.append(NATIONAL_ID)
            else:
                ids.append("00" + reg.code(r, file="--regions"))
    if national and NATIONAL_ID not in ids:
        ids = [NATIONAL_ID, *ids]
    return list(dict.fromkeys(ids))


@dataclass
class KoladaClient:
    """A thin Kolada v3 client (httpx) that keeps every page body for the snapshot."""

    base: str
    http: HttpClient

    @classmethod
    def create(cls, base: str | None = None, *, max_retries: int = 4, backoff: float = 1.0,
               timeout: float = 60.0, requests_per_second: float = REQUESTS_PER_SECOND) -> "KoladaClient":
        """Return a client for `base` (or $GONV_KOLADA_URL) throttled to the documented rate."""
        limiter = RateLimiter(calls=1, window=1.0 / requests_per_second)
        return cls(base=base_url(base), http=HttpClient(limiter=limiter, max_retries=max_retries,
                                                         backoff=backoff, timeout=timeout))

    def values(self, kpi: str, ids: Sequence[str], years: Sequence[int] | None) -> tuple[list[dict], list[dict]]:
        """Return every item for a KPI, ids and years (batches of ≤25 ids, all pages) and the pages fetched."""
        check_name(kpi, "KPI id")
        items: list[dict] = []
        pages: list[dict] = []
        for start in range(0, len(ids), MAX_IDS_PER_CALL):
            batch = ",".join(ids[start:start + MAX_IDS_PER_CALL])
            url = f"{self.base}/v3/data/kpi/{kpi}/municipality/{batch}"
            if years:
                url += "/year/" + ",".join(str(int(y)) for y in years)
            seen: set[str] = set()
            while url:
                if url in seen or len(pages) >= MAX_PAGES:
                    raise FetchError(f"{url}: paging does not end (next_url repeats or over {MAX_PAGES} pages)",
                                     url=url)
                seen.add(url)
                resp = self.http.get(url)
                body = resp.json()
                page_items = _check_page(body, resp.url)
                items.extend(page_items)
                pages.append({"url": resp.url, "sha256": resp.sha256, "items": len(page_items),
                              "body": resp.body})
                url = self._next(body.get("next_url"), resp.url)
        return items, pages

    def _next(self, next_url: Any, current: str) -> str | None:
        """Return the next page's URL; it must stay on the configured host."""
        if not next_url:
            return None
        nxt = urljoin(current, str(next_url))
        if urlsplit(nxt).netloc != urlsplit(self.base).netloc:
            raise FetchError(f"{current}: next_url points to another host ({urlsplit(nxt).netloc})", url=current)
        return nxt

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def __enter__(self) -> "KoladaClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_page(body: Any, url: str) -> list[dict]:
    """Return a page's items, or raise one clear error naming the URL and the item at fault."""
    if not isinstance(body, dict) or not isinstance(body.get("values"), list):
        raise FetchError(f"{url}: not a Kolada v3 data page (no 'values' list)", url=url)
    for i, item in enumerate(body["values"]):
        if not isinstance(item, dict):
            raise FetchError(f"{url}: item {i} is not an object", url=url)
        for key in ("kpi", "municipality", "period", "values"):
            if key not in item:
                raise FetchError(f"{url}: item {i} has no '{key}'", url=url)
        if not isinstance(item["values"], list):
            raise FetchError(f"{url}: item {i} 'values' is not a list", url=url)
        try:
            int(item["period"])
        except (TypeError, ValueError):
            raise FetchError(f"{url}: item {i} period {item['period']!r} is not a year", url=url) from None
        for j, v in enumerate(item["values"]):
            if not isinstance(v, dict) or "value" not in v:
                raise FetchError(f"{url}: item {i} value {j} has no 'value'", url=url)
            if v["value"] is not None and not isinstance(v["value"], (int, float)):
                raise FetchError(f"{url}: item {i} value {j} {v['value']!r} is not a number", url=url)
    return body["values"]


def fetch_kolada(kpis: Sequence[str], *, regions: Iterable[str] | None = None,
                 years: Sequence[int] | None = None, base: str | None = None,
                 root: Path | None = None, client: KoladaClient | None = None) -> list[Snapshot]:
    """Fetch each KPI for the regions and years, then write one snapshot per KPI (all or nothing)."""
    for kpi in kpis:
        check_name(kpi, "KPI id")
    ids = region_ids(regions)
    own = client is None
    client = client or KoladaClient.create(base)
    fetched = []
    try:
        for kpi in kpis:  # fetch everything first: a failure leaves nothing written
            items, pages = client.values(kpi, ids, years)
            fetched.append((kpi, items, pages))
    finally:
        if own:
            client.close()
    snaps = []
    for kpi, items, pages in fetched:
        if len(pages) == 1:
            body, kind = pages[0]["body"], "as_received"
        else:
            merged = {"values": items, "count": len(items), "next_url": None, "previous_url": None}
            body, kind = (json.dumps(merged, ensure_ascii=False, indent=1) + "\n").encode("utf-8"), "merged_pages"
        meta = {"service": "Kolada v3", "base_url": client.base, "licence": LICENCE,
                "query": {"kpi": kpi, "municipality": ids, "year": list(years) if years else None},
                "urls": [p["url"] for p in pages],
                "pages": [{k: p[k] for k in ("url", "sha256", "items")} for p in pages],
                "body": kind, "client": f"helpers.opendata.kolada (httpx {httpx.__version__})"}
        snaps.append(write_snapshot("kolada", kpi, body, meta, root=root))
    return snaps


def read_kolada_snapshot(path: Path, *, gender: str = "T", include_national: bool = False,
                         date_month_day: str = "12-31") -> pd.DataFrame:
    """Return a Kolada snapshot as a regional series (SERIES_COLUMNS); missing values are NaN.

    `date` is the period's year at `date_month_day` (default: the period's end); survey KPIs whose
    fieldwork or publication date is known should pass that day instead. Municipality and group ids
    ("G…") are dropped; Riket ("0000") is kept as county_code "00" when include_national is set.
    The frame's `attrs["snapshot"]` holds the snapshot path and sha256.
    """
    body, snap = load_snapshot_json(Path(path))
    where = relative(snap.path)
    if not isinstance(body, dict) or not isinstance(body.get("values"), list):
        raise DataError(where, "not a Kolada v3 data snapshot (no 'values' list)")
    rows = []
    for i, item in enumerate(body["values"]):
        for v in item.get("values", []) if isinstance(item, dict) else []:
            if isinstance(v, dict) and v.get("gender") == gender:
                rows.append((str(item.get("municipality")), str(item.get("kpi")), item.get("period"),
                             v.get("value"), v.get("status") or "", i))
    df = pd.DataFrame(rows, columns=["kolada_id", "kpi", "period", "value", "status", "item"])
    reg = load_registry()
    county = df["kolada_id"].str.slice(2)
    is_region = (df["kolada_id"].str.len() == 4) & df["kolada_id"].str.startswith("00") & county.isin(reg.codes)
    keep = is_region | ((df["kolada_id"] == NATIONAL_ID) & include_national)
    dropped = int((~keep).sum())
    if dropped:
        log.debug("%s: %d rows for municipalities, groups or Riket left out", where, dropped)
    df = df[keep].assign(county_code=county[keep])
    names = dict(zip(reg.regions["county_code"], reg.regions["region"]))
    names["00"] = "Riket"
    period = pd.to_numeric(df["period"], errors="coerce")
    if period.isna().any():
        bad = df.loc[period.isna(), "item"].iloc[0]
        raise DataError(where, f"item {bad}: period is not a year")
    value = pd.to_numeric(df["value"], errors="coerce")
    if (value.isna() & df["value"].notna()).any():
        bad = df.loc[value.isna() & df["value"].notna(), "item"].iloc[0]
        raise DataError(where, f"item {bad}: value is not a number")
    out = pd.DataFrame({
        "county_code": df["county_code"].to_numpy(),
        "region": df["county_code"].map(names).to_numpy(),
        "kpi": df["kpi"].to_numpy(),
        "period": period.astype(int).to_numpy(),
        "date": pd.to_datetime(period.astype(int).astype(str) + "-" + date_month_day).to_numpy(),
        "value": value.astype(float).to_numpy(),
        "status": df["status"].to_numpy(),
        "source": f"Kolada (RKA), snapshot {where}, retrieved {snap.meta.get('retrieved_at', '')}",
    })
    if out.duplicated(["county_code", "kpi", "period"]).any():
        raise DataError(where, "a region has two values for the same KPI and period")
    out = out.sort_values(["kpi", "county_code", "period"], ignore_index=True)[SERIES_COLUMNS]
    out.attrs["snapshot"] = {"path": where, "sha256": snap.sha256}
    return out

