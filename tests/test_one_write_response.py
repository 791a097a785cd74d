"""The worker's responses put the same bytes on the wire as gunicorn's own, in fewer writes:
an ack's headers and body go out together (web.response)."""

from __future__ import annotations

import io
import re

import pytest
from gunicorn.config import Config
from gunicorn.http import wsgi
from gunicorn.http.message import Request
from gunicorn.http.unreader import IterUnreader

from web.response import OneWriteResponse


class RecordingSocket:
    """What a response wrote, one entry per sendall (and the file sent by the kernel)."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def sendfile(self, file: io.BufferedReader, offset: int = 0, count: int | None = None) -> None:
        file.seek(offset)
        self.writes.append(file.read(count))


def answer(
    response_class: type[wsgi.Response], *, method: str, headers: list[tuple[str, str]], body: list[bytes]
) -> list[bytes]:
    """The writes a response of `response_class` makes for one request, as gthread drives it."""
    cfg = Config()
    request = Request(cfg, IterUnreader([f"{method} /slack/events HTTP/1.1\r\nHost: bot\r\n\r\n".encode()]), ("c", 1))
    sock = RecordingSocket()
    response, _ = wsgi.create(request, sock, ("c", 1), ("s", 2), cfg, response_class=response_class)
    response.start_response("200 OK", headers)
    for chunk in body:
        response.write(chunk)
    response.close()
    return [re.sub(rb"Date: [^\r]*\r\n", b"", w) for w in sock.writes]


CASES = {
    "an ack with a body": (
        "POST",
        [("Content-Type", "application/json"), ("Content-Length", "16")],
        [b'{"text": "Done"}'],
    ),
    "an empty ack": ("POST", [("Content-Length", "0")], [b""]),
    "a body in several parts": ("POST", [("Content-Length", "6")], [b"abc", b"def"]),
    "a chunked body": ("POST", [("Content-Type", "text/plain")], [b"abc", b"def"]),
    "an empty chunked body": ("POST", [("Content-Type", "text/plain")], []),
    "a HEAD": ("HEAD", [("Content-Length", "2")], [b"ok"]),
}


@pytest.mark.parametrize("case", CASES)
def test_the_bytes_on_the_wire_are_gunicorns(case: str) -> None:
    method, headers, body = CASES[case]
    ours = answer(OneWriteResponse, method=method, headers=headers, body=body)
    theirs = answer(wsgi.Response, method=method, headers=headers, body=body)
    assert b"".join(ours) == b"".join(theirs)
    assert b"".join(ours).startswith(b"HTTP/1.1 200 OK\r\n")


def test_an_ack_goes_out_in_one_write() -> None:
    method, headers, body = CASES["an ack with a body"]
    assert len(answer(wsgi.Response, method=method, headers=headers, body=body)) == 2  # headers, then body
    (write,) = answer(OneWriteResponse, method=method, headers=headers, body=body)
    assert write.endswith(b'\r\n\r\n{"text": "Done"}')


def test_a_file_follows_its_headers(tmp_path) -> None:
    """gunicorn hands a file to the kernel (sendfile) after the headers, which must be out first."""
    path = tmp_path / "chart.png"
    path.write_bytes(b"\x89PNG" * 100)
    cfg = Config()
    request = Request(cfg, IterUnreader([b"GET /chart HTTP/1.1\r\nHost: bot\r\n\r\n"]), ("c", 1))
    sock = RecordingSocket()
    response, environ = wsgi.create(request, sock, ("c", 1), ("s", 2), cfg, response_class=OneWriteResponse)
    response.start_response("200 OK", [("Content-Length", "400")])
    with path.open("rb") as file:
        response.write_file(environ["wsgi.file_wrapper"](file))
    response.close()
    head, content = sock.writes
    assert head.startswith(b"HTTP/1.1 200 OK") and head.endswith(b"\r\n\r\n")
    assert content == path.read_bytes()
