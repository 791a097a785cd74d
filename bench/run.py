"""Print every benchmark's figures: `python bench/run.py` (or `make bench`)."""

from __future__ import annotations

import logging

import ack_latency
import digest_build
import step_click

if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    for bench in (ack_latency, step_click, digest_build):
        print(bench.run())
        print()
