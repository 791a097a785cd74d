"""Print every benchmark's figures: `python bench/run.py` (or `make bench`)."""

from __future__ import annotations

import logging

import ack_latency
import calls_per_flow
import concurrent_clicks
import digest_build
import side_by_side
import slow_clients
import update_fanout
import volume

if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    for bench in (
        side_by_side,
        ack_latency,
        slow_clients,
        calls_per_flow,
        concurrent_clicks,
        digest_build,
        update_fanout,
        volume,
    ):
        print(bench.run())
        print()
