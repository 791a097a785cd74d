"""gunicorn's HTTP response, except that the headers go out with the first body bytes, in one write.

gunicorn writes a response's headers and then its body with two `sendall` calls. Each call lets
go of the GIL, and with two threads in a worker the other one takes it: the thread then waits
to get it back before it can write the body, and the ack waits with it. Slack's acks are one
small body, so the headers are kept until that body (or the end of the response) and sent with
it. The bytes on the wire are the same.
"""

from __future__ import annotations

from typing import Any

from gunicorn.http import wsgi


class OneWriteResponse(wsgi.Response):
    """A response whose headers wait for its first body bytes (see the module docstring)."""

    _head = b""

    def send_headers(self) -> None:
        """Build the headers as gunicorn does, and keep them for the first write."""
        if self.headers_sent:
            return
        lines = [*self.default_headers(), *(f"{name}: {value}\r\n" for name, value in self.headers)]
        self._head = f"{''.join(lines)}\r\n".encode("latin-1")
        self.headers_sent = True

    def _emit_body(self, data: bytes) -> None:
        if self._head and not self.chunked:
            head, self._head = self._head, b""
            self.sock.sendall(head + data)
            return
        self._flush()
        super()._emit_body(data)

    def sendfile(self, respiter: Any) -> bool:
        """A file goes out by the kernel, after headers that must be on the wire already."""
        self.send_headers()
        self._flush()
        return super().sendfile(respiter)

    def close(self) -> None:
        """A response without body bytes (a HEAD, an empty chunked one) still sends its headers."""
        self.send_headers()
        self._flush()
        super().close()

    def _flush(self) -> None:
        head, self._head = self._head, b""
        if head:
            self.sock.sendall(head)


def install() -> None:
    """Make gunicorn build every response of this process as a OneWriteResponse.

    gthread's worker asks `gunicorn.http.wsgi.create` for each request's response without naming
    a class, and `create` takes the module's `Response`: replacing that name is the one way in
    short of copying gthread's request handling. Called in each worker process, at its start."""
    wsgi.Response = OneWriteResponse  # type: ignore[misc]
