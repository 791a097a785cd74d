"""One renderer per crisis at a time; asking again while it runs makes it run once more."""

from __future__ import annotations

import threading

from bot.slack.singleflight import SingleFlight


def test_calls_during_a_run_coalesce_into_one_more_run():
    flight = SingleFlight()
    started, release = threading.Event(), threading.Event()
    runs = []

    def work():
        runs.append(1)
        if len(runs) == 1:
            started.set()
            release.wait(5)

    first = threading.Thread(target=lambda: flight.run("k", work))
    first.start()
    started.wait(5)
    assert [flight.run("k", work) for _ in range(5)] == [False] * 5  # five asks while it runs…
    release.set()
    first.join(5)
    assert len(runs) == 2  # …make exactly one more run
    assert flight.run("k", work) is True and len(runs) == 3  # and the key is free again


def test_a_failing_run_frees_its_key():
    flight = SingleFlight()

    def boom():
        raise RuntimeError("Slack is down")

    for _ in range(2):
        try:
            flight.run("k", boom)
        except RuntimeError:
            pass
    assert flight.run("k", lambda: None) is True
