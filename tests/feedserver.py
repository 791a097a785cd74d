"""A real HTTP server on 127.0.0.1 serving feeds as their servers do: with an ETag and a
Last-Modified, answering a conditional request for an unchanged feed with 304, and failing
on demand (an error status, a page that is not a feed)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).parent / "feeds"


@dataclass
class Served:
    body: bytes
    content_type: str
    status: int = 200
    modified: float = 1764000000.0
    validators: bool = True  # some servers send neither ETag nor Last-Modified

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'

    @property
    def last_modified(self) -> str:
        return formatdate(self.modified, usegmt=True)


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    status: int


@dataclass
class FeedServer:
    feeds: dict[str, Served] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def serve(self, path: str, sample: str, content_type: str = "application/xml", **kwargs: Any) -> str:
        """Serve a sample file (tests/feeds/) at `path`; returns its address."""
        self.feeds[path] = Served((SAMPLES / sample).read_bytes(), content_type, **kwargs)
        return self.url(path)

    def update(self, path: str, body: bytes) -> None:
        served = self.feeds[path]
        served.body, served.modified = body, served.modified + 3600

    def to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_for(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib's name)
            pass

        def do_GET(self) -> None:  # noqa: N802 (stdlib's name)
            served = server.feeds.get(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            if served is None:
                status, body = 404, b"not found"
            elif served.status != 200:
                status, body = served.status, b"error"
            elif served.validators and (
                headers.get("if-none-match") == served.etag or headers.get("if-modified-since") == served.last_modified
            ):
                status, body = 304, b""
            else:
                status, body = 200, served.body
            server.requests.append(Request(self.path, headers, status))
            self.send_response(status)
            if served is not None and served.validators and status in (200, 304):
                self.send_header("ETag", served.etag)
                self.send_header("Last-Modified", served.last_modified)
            if status != 304:
                self.send_header("Content-Type", served.content_type if served else "text/plain")
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

    return Handler
