"""A local HTTP server for the open-data tests: scripted answers on 127.0.0.1, requests recorded."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "opendata"


@dataclass
class Answer:
    """One scripted answer: status, headers, body (bytes; '{base}' is replaced by the server URL)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def fixture(name: str, status: int = 200, **headers: str) -> Answer:
    """Return an Answer with a fixture file's bytes."""
    return Answer(status, (FIXTURES / name).read_bytes(), {"Content-Type": "application/json", **headers})


@dataclass
class Seen:
    """One request as the server saw it."""

    method: str
    path: str
    query: str
    body: Any
    at: float


class ReplayServer:
    """Serve scripted answers per path; each path's answers are used in order, the last one repeats."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Answer]] = {}
        self.seen: list[Seen] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                outer.seen.append(Seen(self.command, path, query, json.loads(raw) if raw else None,
                                       time.monotonic()))
                queue = outer.routes.get(path)
                if not queue:
                    ans = Answer(404, b'{"title": "Not Found"}', {"Content-Type": "application/json"})
                else:
                    ans = queue.pop(0) if len(queue) > 1 else queue[0]
                body = ans.body.replace(b"{base}", outer.url.encode())
                self.send_response(ans.status)
                for k, v in ans.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = _answer
            do_POST = _answer

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def route(self, path: str, *answers: Answer) -> None:
        """Script the answers for a path (without query string)."""
        self.routes[path] = list(answers)

    def requests_to(self, path: str) -> list[Seen]:
        """Return the requests seen for a path."""
        return [s for s in self.seen if s.path == path]

    def __enter__(self) -> "ReplayServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
