"""gunicorn's gthread worker, except that a connection gets a thread only once its whole request
has arrived.

gthread hands a connection to one of its HTTP_THREADS threads as soon as the first byte arrives,
and the thread then blocks until the rest of the request comes in: forty clients that send half
a request and stop held every thread, and Slack's own requests waited past their 3 seconds.
Here the worker's event loop reads each request without blocking, into a buffer, and only a
complete request goes to a thread (which then never waits for the client). A request must show
its headers within HEADER_SECONDS and its body within BODY_SECONDS after them, or it is answered
408 and closed; a body announced larger than web.gate.MAX_BODY_BYTES is answered 413 before it is
read. Slack sends a whole request in milliseconds, so these limits only ever cut off the slow.

The same goes for the end of a connection: after an answer that closes it, gthread lingers until
the client closes its end (so that unread bytes never turn into a reset that cuts the answer
short), and it does so on its event loop, blocking: while one client took its time to hang up,
no other request of the worker was read or handed to a thread. Here the loop lingers without
blocking, at most LINGER_SECONDS, and drains at most LINGER_BYTES, as gthread does.

And a worker accepts a connection only while one of its threads is free. gthread accepts while
it has room for a thousand connections, so a worker took connections it had no thread for: their
requests queued behind its busy threads, and competed with them for the GIL, while a thread of
another worker may have had nothing to do. Left in the listen queue that every worker shares, the
oldest request goes to the next thread to be free, in whichever worker. (A request still arriving
holds no thread, so slow clients never stop a worker from accepting.)

TLS is not supported (gunicorn runs behind the load balancer that terminates it).
"""

from __future__ import annotations

import enum
import errno
import selectors
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

from web import response
from web.gate import MAX_BODY_BYTES

HEADER_SECONDS = 5.0
BODY_SECONDS = 5.0
MAX_HEADER_BYTES = 64 * 1024  # gunicorn's own limits (100 fields of 8 KB) are far above what Slack sends
STALLED_SECONDS = 10.0  # a thread's socket timeout: a safety net, since its request is already here
RECV_BYTES = 256 * 1024
LINGER_SECONDS = 2.0  # gthread's own limits for lingering (gunicorn.util.close_graceful)
LINGER_BYTES = 64 * 1024


class Framing(enum.Enum):
    INCOMPLETE = "incomplete"
    COMPLETE = "complete"
    TOO_LARGE = "too large"  # the body is larger than Slack ever sends
    HEADERS_TOO_LARGE = "headers too large"


def framing(data: bytes) -> tuple[Framing, bool]:
    """Whether `data` holds a whole HTTP/1.1 request yet, and whether its headers are complete.

    Only the framing is read (Content-Length, or the chunked end marker); whatever else is wrong
    with a complete request, gunicorn's parser answers in the thread as it always does."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return (Framing.INCOMPLETE if len(data) <= MAX_HEADER_BYTES else Framing.HEADERS_TOO_LARGE), False
    headers = {}
    for line in data[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip().lower()
    received = len(data) - end - 4
    if b"chunked" in headers.get(b"transfer-encoding", b""):
        if received > MAX_BODY_BYTES:
            return Framing.TOO_LARGE, True
        # The last chunk is "0" and an empty line; a chunk ending in those bytes could fool this,
        # and then the thread reads the rest under STALLED_SECONDS. Slack never sends chunked.
        return (Framing.COMPLETE if data.endswith(b"0\r\n\r\n") else Framing.INCOMPLETE), True
    length = headers.get(b"content-length", b"0")
    if not length.isdigit():
        return Framing.COMPLETE, True  # gunicorn answers 400
    if int(length) > MAX_BODY_BYTES:
        return Framing.TOO_LARGE, True
    return (Framing.COMPLETE if received >= int(length) else Framing.INCOMPLETE), True


@dataclass
class _Linger:
    """A closing connection whose client has not hung up yet: until when it may, and the bytes
    drained meanwhile."""

    deadline: float
    drained: int = 0


@dataclass
class _Arrival:
    """A request on its way in: the bytes so far, and when it must be complete."""

    deadline: float
    data: bytearray = field(default_factory=bytearray)
    headers_seen: bool = False


class _Conn(TConn):
    """A connection whose request was read by the event loop: the thread's parser starts from
    those bytes, and its socket never blocks a thread for long."""

    def __init__(self, *args: Any, linger: Callable[[_Conn], None]) -> None:
        super().__init__(*args)
        self.arrived = b""
        self.linger = linger

    def close(self, graceful: bool = False) -> None:
        """gthread closes a finished connection on its event loop, where a graceful close would
        wait for the client to hang up: the loop lingers without blocking instead."""
        if graceful:
            self.linger(self)
        else:
            super().close()

    def init(self) -> None:
        super().init()
        self.sock.settimeout(STALLED_SECONDS)
        if self.arrived:
            self.parser.unreader.unread(self.arrived)
            self.arrived = b""


_CANNED = {
    408: b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    413: b"HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    431: b"HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
}


class BufferedThreadWorker(ThreadWorker):
    """See the module docstring. Every way gthread hands a connection to a thread (a new one, a
    kept-alive one that became readable, a pipelined request) goes through `enqueue_req`, which
    here first reads the request in full on the event loop."""

    def init_process(self) -> None:
        self.arriving: dict[_Conn, _Arrival] = {}
        self.lingering: dict[_Conn, _Linger] = {}
        self.busy = 0  # requests handed to a thread and not finished yet
        response.install()  # an answer's headers and body in one write
        super().init_process()

    def set_accept_enabled(self, enabled: bool) -> None:
        """gthread accepts while it has room for connections; this worker also only while one of
        its threads is free. A request no thread could take at once waits in the listen queue
        that all workers share instead of behind this worker's busy threads: the next thread to
        be free, in whichever worker, takes the oldest one. (gthread's loop asks again after
        every event, a finished request's included.)"""
        super().set_accept_enabled(enabled and self.busy < self.cfg.threads)

    def finish_request(self, conn: TConn, fs: Future) -> None:
        self.busy -= 1
        super().finish_request(conn, fs)

    def accept(self, listener: socket.socket) -> None:
        try:
            client, address = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self.enqueue_req(_Conn(self.cfg, client, address, listener.getsockname(), linger=self._linger))

    def enqueue_req(self, conn: _Conn) -> None:
        """Start reading the connection's next request (or hand it over if it is all here)."""
        conn.sock.setblocking(False)
        arrival = _Arrival(deadline=time.monotonic() + HEADER_SECONDS)
        if conn.parser is not None:  # bytes of a pipelined request the last one read ahead
            arrival.data += conn.parser.unreader.take_buffered()
        self.arriving[conn] = arrival
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._read, conn))
        if arrival.data:
            self._judge(conn, arrival)

    def _read(self, conn: _Conn, _sock: socket.socket) -> None:
        arrival = self.arriving[conn]
        try:
            data = conn.sock.recv(RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self._drop(conn)
            return
        arrival.data += data
        self._judge(conn, arrival)

    def _judge(self, conn: _Conn, arrival: _Arrival) -> None:
        state, headers_seen = framing(bytes(arrival.data))
        if headers_seen and not arrival.headers_seen:
            arrival.headers_seen = True
            arrival.deadline = time.monotonic() + BODY_SECONDS
        if state is Framing.COMPLETE:
            self._stop_reading(conn)
            conn.arrived = bytes(arrival.data)
            conn.data_ready = True  # gthread would otherwise wait for the first byte in the thread
            self.busy += 1
            if self.busy >= self.cfg.threads:
                super().set_accept_enabled(False)
            super().enqueue_req(conn)
        elif state is Framing.TOO_LARGE:
            self._drop(conn, answer=413)
        elif state is Framing.HEADERS_TOO_LARGE:
            self._drop(conn, answer=431)

    def murder_keepalived(self, force: bool = False) -> None:
        """gthread's sweep of idle kept-alive connections, and of requests and lingering connections past
        their deadline."""
        super().murder_keepalived(force)
        now = time.monotonic()
        for conn, arrival in list(self.arriving.items()):
            if force or arrival.deadline <= now:
                self._drop(conn, answer=408)
        for conn, linger in list(self.lingering.items()):
            if force or linger.deadline <= now:
                self._end_linger(conn)

    def _linger(self, conn: _Conn) -> None:
        """Close the connection gracefully, as gunicorn.util.close_graceful does, without waiting
        for the client: the answer's end is sent (FIN) and the socket is closed once the client
        hangs up, sends too much or takes too long (the next loop's sweep)."""
        conn.sock.setblocking(False)
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            conn.sock.close()
            return
        self.lingering[conn] = _Linger(deadline=time.monotonic() + LINGER_SECONDS)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._drain, conn))

    def _drain(self, conn: _Conn, _sock: socket.socket) -> None:
        linger = self.lingering[conn]
        try:
            data = conn.sock.recv(LINGER_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        linger.drained += len(data)
        if not data or linger.drained >= LINGER_BYTES:
            self._end_linger(conn)

    def _end_linger(self, conn: _Conn) -> None:
        del self.lingering[conn]
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass
        conn.sock.close()

    def _stop_reading(self, conn: _Conn) -> None:
        del self.arriving[conn]
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass

    def _drop(self, conn: _Conn, answer: int | None = None) -> None:
        self._stop_reading(conn)
        self.nr_conns -= 1
        if answer is not None:
            try:
                conn.sock.send(_CANNED[answer])  # a few bytes into an empty send buffer: never blocks
            except OSError:
                pass
        conn.close()
