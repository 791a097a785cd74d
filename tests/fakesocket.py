"""A fake Slack Socket Mode endpoint: the bot connects to it by WebSocket (the URL comes from
the fake Web API's apps.connections.open), and the test sends envelopes through it exactly as
Slack does, waiting for the bot's ack of each."""

from __future__ import annotations

import itertools
import json
import queue
import threading
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve


class FakeSocketMode:
    def __init__(self) -> None:
        self._outbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self._acks: dict[str, dict[str, Any]] = {}
        self._acked = threading.Condition()
        self._connected = threading.Event()
        self._ids = itertools.count(1)
        self._server = serve(self._handle, "127.0.0.1", 0, compression=None)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link/?ticket=test"

    def stop(self) -> None:
        self._server.shutdown()

    def wait_connected(self, timeout: float = 20) -> None:
        assert self._connected.wait(timeout), "the bot did not connect in Socket Mode"

    def send(self, kind: str, payload: dict[str, Any], timeout: float = 10) -> dict[str, Any]:
        """Send one envelope (`slash_commands`, `interactive`, `events_api`) and return the ack."""
        envelope_id = f"env-{next(self._ids)}"
        self._outbox.put(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": True,
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        with self._acked:
            assert self._acked.wait_for(lambda: envelope_id in self._acks, timeout), "no ack from the bot"
            return self._acks.pop(envelope_id)

    def _handle(self, connection: ServerConnection) -> None:
        connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "connection_info": {"app_id": "A0000001"},
                    "debug_info": {"host": "fake"},
                }
            )
        )
        self._connected.set()
        stop = threading.Event()

        def receive() -> None:
            try:
                for raw in connection:
                    message = json.loads(raw)
                    if "envelope_id" in message:
                        with self._acked:
                            self._acks[message["envelope_id"]] = message
                            self._acked.notify_all()
            except ConnectionClosed:
                pass  # the bot process was stopped
            finally:
                stop.set()

        threading.Thread(target=receive, daemon=True).start()
        while not stop.is_set():
            try:
                connection.send(json.dumps(self._outbox.get(timeout=0.1)))
            except queue.Empty:
                continue
            except ConnectionClosed:
                return
