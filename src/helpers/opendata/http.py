"""A small HTTP layer for the open-data clients: throttling, retries with backoff, Retry-After."""
from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..errors import DataError

log = logging.getLogger(__name__)

USER_AGENT = f"gonv-helpers-opendata (httpx {httpx.__version__})"


class FetchError(DataError):
    """A fetch failed: the service is unreachable, kept failing, or sent a body we cannot use."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        # DataError's "file, row, column" prefix does not fit a URL; the message names it instead.
        Exception.__init__(self, message)
        self.file = url or ""
        self.row = None
        self.column = None
        self.message = message


class RateLimiter:
    """Allow at most `calls` requests in any `window` seconds (a sliding window)."""

    def __init__(self, calls: int, window: float) -> None:
        self.calls = max(int(calls), 0)
        self.window = float(window)
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until one more request fits into the window, then record it."""
        if self.calls <= 0:  # the service documents no limit
            return
        with self._lock:
            now = time.monotonic()
            while self._stamps and now - self._stamps[0] >= self.window:
                self._stamps.popleft()
            if len(self._stamps) >= self.calls:
                pause = self.window - (now - self._stamps[0])
                if pause > 0:
                    time.sleep(pause)
                self._stamps.popleft()
            self._stamps.append(time.monotonic())


def host_of(url: str) -> str:
    """Return the host[:port] of a URL, for messages."""
    return urlsplit(url).netloc or url


def retry_after_seconds(value: str | None, default: float) -> float:
    """Return the wait a Retry-After header asks for (seconds or an HTTP date)."""
    if not value:
        return default
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(when.timestamp() - time.time(), 0.0)


@dataclass
class Response:
    """One answered request: the URL asked, the body as received and its checksum."""

    url: str
    status: int
    body: bytes
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        self.sha256 = hashlib.sha256(self.body).hexdigest()

    def json(self) -> Any:
        """Parse the body as JSON; a malformed body is one clear error naming the URL."""
        try:
            return json.loads(self.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            where = (f" (line {exc.lineno}, column {exc.colno})"
                     if isinstance(exc, json.JSONDecodeError) else "")
            raise FetchError(f"{self.url}: the response is not valid JSON{where}", url=self.url) from None


class HttpClient:
    """GET/POST with a rate limit, retries on 429/5xx/timeouts, and one clear error at the end."""

    def __init__(self, *, limiter: RateLimiter, max_retries: int = 4, backoff: float = 1.0,
                 max_backoff: float = 60.0, max_retry_after: float = 300.0, timeout: float = 60.0) -> None:
        self.limiter = limiter
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self._client = httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT},
                                    follow_redirects=False)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> "HttpClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, params: dict[str, str] | None = None) -> Response:
        """GET a URL; return the response or raise FetchError."""
        return self.request("GET", url, params=params)

    def post(self, url: str, payload: Any, params: dict[str, str] | None = None) -> Response:
        """POST a JSON payload; return the response or raise FetchError."""
        return self.request("POST", url, params=params, payload=payload)

    def request(self, method: str, url: str, *, params: dict[str, str] | None = None,
                payload: Any = None) -> Response:
        """Send one request, retrying what the services document as transient."""
        last = ""
        for attempt in range(self.max_retries + 1):
            self.limiter.wait()
            try:
                r = self._client.request(method, url, params=params, json=payload)
            except httpx.ConnectError as exc:
                # Connection refused or DNS failure: offline, not transient; say so at once.
                raise FetchError(f"cannot reach {host_of(url)}: {_reason(exc)}", url=url) from None
            except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                last = f"{type(exc).__name__}: {_reason(exc)}"
                wait = self._backoff(attempt)
            else:
                full = str(r.url)
                if r.status_code < 300:
                    return Response(url=full, status=r.status_code, body=r.content)
                if r.status_code == 429:
                    wait = retry_after_seconds(r.headers.get("Retry-After"), self._backoff(attempt))
                    if wait > self.max_retry_after:
                        raise FetchError(f"{full}: the service asks to wait {wait:.0f} s (Retry-After); "
                                         f"try again later", url=full)
                    last = "HTTP 429 Too Many Requests"
                elif r.status_code >= 500:
                    last = f"HTTP {r.status_code} {r.reason_phrase}".rstrip()
                    # a 503 may say when to come back; otherwise exponential backoff
                    wait = min(retry_after_seconds(r.headers.get("Retry-After"), self._backoff(attempt)),
                               self.max_retry_after)
                else:
                    raise FetchError(f"{full}: HTTP {r.status_code} {r.reason_phrase}{_detail(r)}", url=full)
            if attempt < self.max_retries:
                log.info("%s: %s; retrying in %.1f s (%d of %d)", host_of(url), last, wait,
                         attempt + 1, self.max_retries)
                time.sleep(wait)
        raise FetchError(f"{url}: {last} after {self.max_retries + 1} attempts; nothing written", url=url)

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff * 2 ** attempt, self.max_backoff)


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _detail(r: httpx.Response) -> str:
    """Return a short detail from a problem+json body, when the service sends one."""
    try:
        body = r.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        text = body.get("detail") or body.get("title") or body.get("message")
        if text:
            return f" ({str(text).splitlines()[0][:200]})"
    return ""
